// The RDF vocabularies of the DCAT-AP export and the controlled vocabularies our catalogue fields
// map to. One home for every IRI and every code mapping: the graph builder (catalogue-graph.ts) and
// the serialisers (serialise.ts) take their namespaces and prefixes from here.
import type { OpenType, SharingType, UpdateCycle } from '../catalogue.js';

/** Namespaces of DCAT-AP 3.0.1 (§ "Used prefixes"), plus the EU vocabularies it recommends. */
export const NS = {
  adms: 'http://www.w3.org/ns/adms#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
} as const;

/** The prefixes written in Turtle and used as the JSON-LD context. */
export const PREFIXES: Readonly<Record<string, string>> = NS;

// EU Publications Office authority tables (the controlled vocabularies DCAT-AP 3.0.1 names for
// dct:accrualPeriodicity and dct:accessRights, §"Controlled vocabularies to be used").
export const EU_FREQUENCY = 'http://publications.europa.eu/resource/authority/frequency';
export const EU_ACCESS_RIGHT = 'http://publications.europa.eu/resource/authority/access-right';

/** A concept of a controlled vocabulary: its IRI, its scheme and its preferred label. */
export interface Concept {
  iri: string;
  scheme: string;
  label: string;
  lang: 'en' | 'zh';
}

const euConcept = (scheme: string, code: string, label: string): Concept => ({ iri: `${scheme}/${code}`, scheme, label, lang: 'en' });

/**
 * 更新周期 → the EU frequency table. 实时 (real time) is "continuously updated" (UPDATE_CONT), 每年 is
 * ANNUAL and 不定期 IRREG; the others have the same name. Labels as the table gives them in English.
 */
export const FREQUENCIES: Readonly<Record<UpdateCycle, Concept>> = {
  REALTIME: euConcept(EU_FREQUENCY, 'UPDATE_CONT', 'continuously updated'),
  DAILY: euConcept(EU_FREQUENCY, 'DAILY', 'daily'),
  WEEKLY: euConcept(EU_FREQUENCY, 'WEEKLY', 'weekly'),
  MONTHLY: euConcept(EU_FREQUENCY, 'MONTHLY', 'monthly'),
  QUARTERLY: euConcept(EU_FREQUENCY, 'QUARTERLY', 'quarterly'),
  YEARLY: euConcept(EU_FREQUENCY, 'ANNUAL', 'annual'),
  IRREGULAR: euConcept(EU_FREQUENCY, 'IRREG', 'irregular'),
};

const ACCESS = {
  PUBLIC: euConcept(EU_ACCESS_RIGHT, 'PUBLIC', 'public'),
  RESTRICTED: euConcept(EU_ACCESS_RIGHT, 'RESTRICTED', 'restricted'),
  NON_PUBLIC: euConcept(EU_ACCESS_RIGHT, 'NON_PUBLIC', 'non-public'),
} as const;

/**
 * dct:accessRights says whether the public may access the dataset (DCAT-AP 3.0.1, Dataset "access
 * rights"), so it follows 开放属性 (opening to society): 无条件开放 → PUBLIC, 有条件开放 → RESTRICTED,
 * 不予开放 → NON_PUBLIC. An entry that is not even shared between government departments (不予共享)
 * is NON_PUBLIC whatever its opening says: nothing outside its holder may have it.
 */
export function accessRight(sharingType: SharingType, openType: OpenType): Concept {
  if (sharingType === 'NOT_SHARED') return ACCESS.NON_PUBLIC;
  if (openType === 'OPEN') return ACCESS.PUBLIC;
  if (openType === 'CONDITIONAL_OPEN') return ACCESS.RESTRICTED;
  return ACCESS.NON_PUBLIC;
}
