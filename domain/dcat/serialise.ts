// The two serialisations of the export, both by RDF libraries (never string templates, so escaping
// and datatypes are theirs to get right): Turtle (RFC-less W3C Recommendation "RDF 1.1 Turtle",
// media type text/turtle) by n3's Writer, with the vocabulary prefixes; JSON-LD 1.1 (application/
// ld+json) by jsonld's fromRDF, compacted with a context of the same prefixes. Both are built in
// memory: the whole catalogue is one graph, and the serialisers need it whole to group subjects.
import jsonld from 'jsonld';
import { Writer, type Quad } from 'n3';
import { PREFIXES } from './vocabulary.js';

export const TURTLE = 'text/turtle';
export const JSON_LD = 'application/ld+json';

export function toTurtle(quads: readonly Quad[]): Promise<string> {
  const writer = new Writer({ prefixes: { ...PREFIXES } });
  writer.addQuads([...quads]);
  return new Promise((resolve, reject) => writer.end((err, result: string) => (err ? reject(err) : resolve(result))));
}

/** The JSON-LD context of the export: the prefixes, so terms read as `dcat:Dataset`, `dct:title`. */
export const JSON_LD_CONTEXT: Readonly<Record<string, string>> = PREFIXES;

export async function toJsonLd(quads: readonly Quad[]): Promise<string> {
  // useNativeTypes: false keeps every literal's datatype (xsd:date stays typed, not a JSON string);
  // the quads are RDF/JS terms, which jsonld reads as its own RDF dataset form.
  const expanded = await jsonld.fromRDF(quads as never, { useNativeTypes: false });
  // fromRDF's output is expanded JSON-LD already: compacting it without expanding it again halves the
  // time (jsonld's `skipExpansion`, which its typings do not list).
  const compacted = await jsonld.compact(expanded, { ...JSON_LD_CONTEXT } as jsonld.ContextDefinition, { skipExpansion: true } as jsonld.Options.Compact);
  return JSON.stringify(compacted);
}
