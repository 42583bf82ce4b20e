// DCAT-AP 3.0.1 conformance for tests: the official SHACL shapes (test/fixtures/dcat-ap-3.0.1/, both
// files) and rdf-validate-shacl over @zazuko/env-node's RDF/JS environment, as its README shows. The
// export is parsed with that environment's own parsers (Turtle, JSON-LD), not with the libraries
// that wrote it, so a serialiser's mistake cannot hide behind the same library reading it back.
import rdf from '@zazuko/env-node';
import type { DatasetCore } from '@rdfjs/types';
import path from 'node:path';
import { Readable } from 'node:stream';
import SHACLValidator from 'rdf-validate-shacl';
import { ROOT_DIR } from '../../common/config.js';

export const SHAPES_DIR = path.join(ROOT_DIR, 'test', 'fixtures', 'dcat-ap-3.0.1');
export const SHAPE_FILES = ['dcat-ap-SHACL.ttl', 'dcat-ap-ranges-SHACL.ttl'] as const;

const validators = new Map<string, Promise<SHACLValidator>>();
function validatorFor(file: string): Promise<SHACLValidator> {
  let v = validators.get(file);
  if (!v) {
    v = (async () => new SHACLValidator(await rdf.dataset().import(rdf.fromFile(path.join(SHAPES_DIR, file))), { factory: rdf }))();
    validators.set(file, v);
  }
  return v;
}

/** The export's text as an RDF/JS dataset, parsed by media type (text/turtle, application/ld+json). */
export async function parseRdf(text: string, mediaType: string): Promise<DatasetCore> {
  const quads = rdf.formats.parsers.import(mediaType, Readable.from([text]));
  if (!quads) throw new Error(`no parser for ${mediaType}`);
  return rdf.dataset().import(quads);
}

/** Violation messages of `data` against one shapes file: "[shape path] focus: message". Empty: conforms. */
export async function shaclViolations(data: DatasetCore, file: (typeof SHAPE_FILES)[number]): Promise<string[]> {
  const report = await (await validatorFor(file)).validate(data);
  return report.results.map(
    (r) => `${r.severity?.value.replace(/.*#/, '') ?? ''} ${r.path?.value ?? ''} on ${r.focusNode?.value ?? '?'}: ${r.message.map((m) => m.value).join('; ')}`,
  );
}
