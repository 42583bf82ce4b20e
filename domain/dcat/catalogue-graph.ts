// A catalogue as DCAT-AP 3.0.1 RDF: entries in, RDF/JS quads out (n3's DataFactory), nothing read or
// written. What the entries are (and so what the caller may see) is decided before this runs, by the
// GraphQL directory (gateway/federation/dcat/collect.ts); this only maps.
//
// Class and property choices follow DCAT-AP 3.0.1 (https://semiceu.github.io/DCAT-AP/releases/3.0.1/)
// and its SHACL shapes (test/fixtures/dcat-ap-3.0.1/): the mandatory properties of Catalog (title,
// description, publisher), Dataset (title, description), Distribution (access URL), CatalogRecord
// (modified, primary topic), Agent (name), Identifier (notation), Concept (preferred label), Concept
// scheme (title), Data service (title, endpoint URL); and the range shapes, which expect every object
// to carry its class (sh:class checks rdf:type in the data graph, with no RDFS inference): so each
// concept is typed as the range class and as skos:Concept, and each dataset also as dcat:Resource
// (its superclass in DCAT 3 §6.4, the range of foaf:primaryTopic on a catalogue record), and the
// service's endpoint as rdfs:Resource.
import { DataFactory, type Literal, type NamedNode, type Quad } from 'n3';
import { CATEGORY_NAMES, type CategoryCode } from '../classification.js';
import type { EntryKind, OpenType, ResourceFormat, SharingMethod, SharingType, UpdateCycle } from '../catalogue.js';
import { RESOURCE_FORMAT_LABELS, SHARING_METHOD_LABELS, SHARING_TYPE_LABELS } from '../catalogue.js';
import { accessRight, FREQUENCIES, NS, type Concept } from './vocabulary.js';

const { namedNode, literal, quad } = DataFactory;

/** An entry as the export reads it through GraphQL (the fields it maps; nothing else). */
export interface DcatEntry {
  id: string;
  kind: EntryKind;
  name: string;
  abstract: string;
  classification: { code: string; category: number; categoryName: string };
  provider: { name: string; creditCode: string };
  format: ResourceFormat;
  sharingType: SharingType;
  sharingCondition: string | null;
  sharingMethod: SharingMethod;
  openType: OpenType;
  updateCycle: UpdateCycle;
  /** YYYY-MM-DD */
  publishDate: string;
  /** ISO 8601 UTC */
  createdAt: string;
  /** ISO 8601 UTC */
  updatedAt: string;
  /** For a mirror: its source as the caller may see it now (null: not visible, or not a mirror). */
  mirrorSource: { id: string; name: string; abstract: string } | null;
}

/** The province a catalogue (or a publisher) is: from its config. */
export interface DcatProvince {
  id: string;
  divisionCode: string;
  /** 重庆市 */
  name: string;
  /** Romanised, for the English labels: the config's `typePrefix` (Chongqing). */
  romanized: string;
  /** 渝快办 */
  platform: string;
}

export interface DcatCatalogueInput {
  /** The gateway's public origin (`gateway.publicUrl`): every IRI below derives from it. */
  base: string;
  /** One province's catalogue, or the unified one of all of them. */
  scope: { province: DcatProvince } | { provinces: DcatProvince[] };
  entries: readonly DcatEntry[];
}

/**
 * The IRIs of the export. Stable: derived from the public origin and the entry id only, so a
 * harvester sees the same dataset under the same IRI in every export (unified or a province's, on
 * every replica). A catalogue record belongs to its catalogue, so its IRI is under the catalogue's.
 */
export function dcatIris(base: string) {
  const root = `${base}/catalogue/id`;
  // An entry id (500000:301001/000123, 500000:mirror:510000:…) as one path segment: ':' is allowed
  // in a segment (RFC 3986 §3.3, pchar), '/' and anything else reserved is percent-encoded.
  const segment = (id: string) => encodeURIComponent(id).replace(/%3A/g, ':');
  return {
    catalogue: (province?: string) => (province ? `${root}/catalogue/${province}` : `${root}/catalogue`),
    record: (catalogue: string, entryId: string) => `${catalogue}/record/${segment(entryId)}`,
    dataset: (entryId: string) => `${root}/dataset/${segment(entryId)}`,
    distribution: (entryId: string, format: ResourceFormat) => `${root}/dataset/${segment(entryId)}/distribution/${format.toLowerCase()}`,
    provider: (creditCode: string) => `${root}/agent/${creditCode}`,
    providerIdentifier: (creditCode: string) => `${root}/agent/${creditCode}/uscc`,
    provincePublisher: (divisionCode: string) => `${root}/agent/province/${divisionCode}`,
    federationPublisher: () => `${root}/agent/federation`,
    classificationScheme: () => `${root}/classification`,
    classification: (category: string) => `${root}/classification/${category}`,
    formatScheme: () => `${root}/resource-format`,
    format: (format: ResourceFormat) => `${root}/resource-format/${format}`,
    service: () => `${root}/service/graphql`,
    /** The GraphQL endpoint: where every distribution is accessed (DCAT-AP: dcat:accessURL, mandatory). */
    graphql: () => `${base}/graphql`,
  };
}

const term = (ns: keyof typeof NS, local: string) => namedNode(`${NS[ns]}${local}`);
const P = {
  type: term('rdf', 'type'),
  title: term('dct', 'title'),
  description: term('dct', 'description'),
  publisher: term('dct', 'publisher'),
  identifier: term('dct', 'identifier'),
  issued: term('dct', 'issued'),
  modified: term('dct', 'modified'),
  accrualPeriodicity: term('dct', 'accrualPeriodicity'),
  accessRights: term('dct', 'accessRights'),
  format: term('dct', 'format'),
  source: term('dct', 'source'),
  dataset: term('dcat', 'dataset'),
  record: term('dcat', 'record'),
  distribution: term('dcat', 'distribution'),
  accessURL: term('dcat', 'accessURL'),
  accessService: term('dcat', 'accessService'),
  endpointURL: term('dcat', 'endpointURL'),
  service: term('dcat', 'service'),
  theme: term('dcat', 'theme'),
  themeTaxonomy: term('dcat', 'themeTaxonomy'),
  primaryTopic: term('foaf', 'primaryTopic'),
  name: term('foaf', 'name'),
  admsIdentifier: term('adms', 'identifier'),
  notation: term('skos', 'notation'),
  prefLabel: term('skos', 'prefLabel'),
  inScheme: term('skos', 'inScheme'),
} as const;
const C = {
  Catalog: term('dcat', 'Catalog'),
  CatalogRecord: term('dcat', 'CatalogRecord'),
  Dataset: term('dcat', 'Dataset'),
  Resource: term('dcat', 'Resource'),
  Distribution: term('dcat', 'Distribution'),
  DataService: term('dcat', 'DataService'),
  Agent: term('foaf', 'Agent'),
  Identifier: term('adms', 'Identifier'),
  Concept: term('skos', 'Concept'),
  ConceptScheme: term('skos', 'ConceptScheme'),
  Frequency: term('dct', 'Frequency'),
  RightsStatement: term('dct', 'RightsStatement'),
  MediaTypeOrExtent: term('dct', 'MediaTypeOrExtent'),
  RdfsResource: term('rdfs', 'Resource'),
} as const;
const xsdDate = term('xsd', 'date');
const xsdDateTime = term('xsd', 'dateTime');

/** The catalogue's own wording: Chinese (the catalogue's language) and English. */
function catalogueText(scope: DcatCatalogueInput['scope']) {
  if ('province' in scope) {
    const p = scope.province;
    return {
      title: { zh: `${p.name}政务数据资源目录`, en: `Government data resource catalogue of ${p.romanized}` },
      description: {
        zh: `${p.name}（${p.platform}）政务数据资源目录中调用方可见的条目（含互挂目录），由目录联邦网关按 DCAT-AP 3.0.1 导出。`,
        en: `The entries of the ${p.romanized} (${p.platform}) government data resource catalogue that the caller may see, mounted entries included, exported by the catalogue federation gateway as DCAT-AP 3.0.1.`,
      },
    };
  }
  const zh = scope.provinces.map((p) => p.name).join('、');
  const en = scope.provinces.map((p) => p.romanized).join(', ');
  return {
    title: { zh: `${zh}政务数据资源联合目录`, en: `Joint government data resource catalogue of ${en}` },
    description: {
      zh: `${zh}政务数据资源目录中调用方可见的条目，每项资源一次（不含互挂副本），由目录联邦网关按 DCAT-AP 3.0.1 导出。`,
      en: `The entries of the government data resource catalogues of ${en} that the caller may see, each resource once (mounted copies left out), exported by the catalogue federation gateway as DCAT-AP 3.0.1.`,
    },
  };
}

/** The catalogue of `input` as RDF/JS quads, each subject's triples together, in entry order. */
export function catalogueQuads(input: DcatCatalogueInput): Quad[] {
  const iri = dcatIris(input.base);
  // Quads by subject, subjects in the order first met: serialised, each subject is one block.
  const bySubject = new Map<string, Quad[]>();
  const add = (s: string, p: NamedNode, o: NamedNode | Literal) => {
    const list = bySubject.get(s);
    if (list) list.push(quad(namedNode(s), p, o));
    else bySubject.set(s, [quad(namedNode(s), p, o)]);
  };
  const described = new Set<string>();
  const once = (node: string, describe: () => void) => {
    if (described.has(node)) return;
    described.add(node);
    describe();
  };
  const concept = (c: Concept, rangeClass: (typeof C)[keyof typeof C]) =>
    once(c.iri, () => {
      if (rangeClass !== C.Concept) add(c.iri, P.type, rangeClass);
      add(c.iri, P.type, C.Concept);
      add(c.iri, P.prefLabel, literal(c.label, c.lang));
      add(c.iri, P.inScheme, namedNode(c.scheme));
    });

  // The catalogue, its publisher and the service that serves it.
  const scope = input.scope;
  const catalogue = iri.catalogue('province' in scope ? scope.province.id : undefined);
  const text = catalogueText(scope);
  add(catalogue, P.type, C.Catalog);
  add(catalogue, P.title, literal(text.title.zh, 'zh'));
  add(catalogue, P.title, literal(text.title.en, 'en'));
  add(catalogue, P.description, literal(text.description.zh, 'zh'));
  add(catalogue, P.description, literal(text.description.en, 'en'));
  const publisher = 'province' in scope ? iri.provincePublisher(scope.province.divisionCode) : iri.federationPublisher();
  add(catalogue, P.publisher, namedNode(publisher));
  add(publisher, P.type, C.Agent);
  if ('province' in scope) {
    add(publisher, P.name, literal(`${scope.province.name}（${scope.province.platform}）`, 'zh'));
    add(publisher, P.name, literal(scope.province.romanized, 'en'));
  } else {
    add(publisher, P.name, literal(`${scope.provinces.map((p) => p.name).join('、')}政务数据目录联邦`, 'zh'));
    add(publisher, P.name, literal(`Government data catalogue federation of ${scope.provinces.map((p) => p.romanized).join(', ')}`, 'en'));
  }
  const service = iri.service();
  add(catalogue, P.service, namedNode(service));
  add(service, P.type, C.DataService);
  add(service, P.title, literal('政务数据目录联邦网关 GraphQL 接口', 'zh'));
  add(service, P.title, literal('Catalogue federation gateway GraphQL API', 'en'));
  add(service, P.endpointURL, namedNode(iri.graphql()));
  // The ranges shapes give dcat:endpointURL the class rdfs:Resource (true of anything, RDFS §2.1),
  // and sh:class wants it stated.
  add(iri.graphql(), P.type, C.RdfsResource);
  // 类 of 政务信息资源目录编制指南(试行) as the theme taxonomy: the one classification every entry has.
  const themes = iri.classificationScheme();
  add(catalogue, P.themeTaxonomy, namedNode(themes));
  add(themes, P.type, C.ConceptScheme);
  add(themes, P.title, literal('政务信息资源分类（类）', 'zh'));
  add(themes, P.title, literal('Government information resource classification (category)', 'en'));
  const formats = iri.formatScheme();
  add(formats, P.type, C.ConceptScheme);
  add(formats, P.title, literal('信息资源格式', 'zh'));
  add(formats, P.title, literal('Information resource format', 'en'));

  let latest = '';
  const inExport = new Set(input.entries.map((e) => e.id));
  for (const e of input.entries) {
    const dataset = iri.dataset(e.id);
    if (e.updatedAt > latest) latest = e.updatedAt;
    add(catalogue, P.dataset, namedNode(dataset));
    add(dataset, P.type, C.Dataset);
    add(dataset, P.type, C.Resource);
    add(dataset, P.title, literal(e.name, 'zh'));
    add(dataset, P.description, literal(e.abstract, 'zh'));
    add(dataset, P.identifier, literal(e.id));
    add(dataset, P.issued, literal(e.publishDate, xsdDate));
    add(dataset, P.modified, literal(e.updatedAt, xsdDateTime));

    // The provider (信息资源提供方) as the publisher, identified by its GB 32100 credit code.
    const provider = iri.provider(e.provider.creditCode);
    add(dataset, P.publisher, namedNode(provider));
    once(provider, () => {
      const id = iri.providerIdentifier(e.provider.creditCode);
      add(provider, P.type, C.Agent);
      add(provider, P.name, literal(e.provider.name, 'zh'));
      add(provider, P.admsIdentifier, namedNode(id));
      add(id, P.type, C.Identifier);
      add(id, P.notation, literal(e.provider.creditCode));
    });

    const frequency = FREQUENCIES[e.updateCycle];
    add(dataset, P.accrualPeriodicity, namedNode(frequency.iri));
    concept(frequency, C.Frequency);
    const access = accessRight(e.sharingType, e.openType);
    add(dataset, P.accessRights, namedNode(access.iri));
    concept(access, C.RightsStatement);

    const category = String(e.classification.category) as CategoryCode;
    const theme: Concept = { iri: iri.classification(category), scheme: themes, label: CATEGORY_NAMES[category] ?? e.classification.categoryName, lang: 'zh' };
    add(dataset, P.theme, namedNode(theme.iri));
    concept(theme, C.Concept);

    // A mirror (目录互挂) is derived from its source: dct:source, when the caller may see the source.
    // The source's own description is added only when it is not in this export already, so it is a
    // well-formed dcat:Dataset (title and description are mandatory) wherever it is described.
    if (e.kind === 'MIRROR' && e.mirrorSource) {
      const source = iri.dataset(e.mirrorSource.id);
      add(dataset, P.source, namedNode(source));
      if (!inExport.has(e.mirrorSource.id))
        once(source, () => {
          add(source, P.type, C.Dataset);
          add(source, P.type, C.Resource);
          add(source, P.title, literal(e.mirrorSource!.name, 'zh'));
          add(source, P.description, literal(e.mirrorSource!.abstract, 'zh'));
          add(source, P.identifier, literal(e.mirrorSource!.id));
        });
    }

    // One distribution: the entry has one 信息资源格式. Its values are kinds of resource (database,
    // spreadsheet, image, …), not file or media types, so no EU file-type or IANA media type fits
    // honestly; they are concepts of their own scheme, typed as dct:format's range.
    const distribution = iri.distribution(e.id, e.format);
    add(dataset, P.distribution, namedNode(distribution));
    add(distribution, P.type, C.Distribution);
    add(distribution, P.accessURL, namedNode(iri.graphql()));
    add(distribution, P.accessService, namedNode(service));
    add(distribution, P.description, literal(distributionText(e), 'zh'));
    const format: Concept = { iri: iri.format(e.format), scheme: formats, label: RESOURCE_FORMAT_LABELS[e.format], lang: 'zh' };
    add(distribution, P.format, namedNode(format.iri));
    concept(format, C.MediaTypeOrExtent);

    // The record of the entry in this catalogue: what a harvester compares to harvest incrementally.
    const record = iri.record(catalogue, e.id);
    add(catalogue, P.record, namedNode(record));
    add(record, P.type, C.CatalogRecord);
    add(record, P.primaryTopic, namedNode(dataset));
    add(record, P.issued, literal(e.createdAt, xsdDateTime));
    add(record, P.modified, literal(e.updatedAt, xsdDateTime));
  }
  if (latest) add(catalogue, P.modified, literal(latest, xsdDateTime));
  return [...bySubject.values()].flat();
}

/** 共享方式 and 共享类型 (with its 共享条件) in the catalogue's words: how the data is obtained. */
function distributionText(e: DcatEntry): string {
  const condition = e.sharingCondition ? `：${e.sharingCondition}` : '';
  return `共享方式：${SHARING_METHOD_LABELS[e.sharingMethod]}；共享类型：${SHARING_TYPE_LABELS[e.sharingType]}${condition}`;
}
