// The pure DCAT-AP mapping (domain/dcat/): entries to RDF, the controlled-vocabulary mappings, the
// IRIs, and both serialisations, checked against the official DCAT-AP 3.0.1 SHACL shapes, including a
// control that the validator does report a missing mandatory property.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Quad } from 'n3';
import { loadStackConfig, ROOT_DIR } from '../../common/config.js';
import { OPEN_TYPES, RESOURCE_FORMATS, SHARING_TYPES, UPDATE_CYCLES } from '../../domain/catalogue.js';
import { catalogueQuads, dcatIris, type DcatEntry, type DcatProvince } from '../../domain/dcat/catalogue-graph.js';
import { JSON_LD, TURTLE, toJsonLd, toTurtle } from '../../domain/dcat/serialise.js';
import { accessRight, FREQUENCIES } from '../../domain/dcat/vocabulary.js';
import { parseRdf, SHAPE_FILES, shaclViolations } from '../support/dcat-shacl.js';

const BASE = 'https://gateway.example.gov.cn';
const CHONGQING: DcatProvince = { id: 'chongqing', divisionCode: '500000', name: '重庆市', romanized: 'Chongqing', platform: '渝快办' };
const SICHUAN: DcatProvince = { id: 'sichuan', divisionCode: '510000', name: '四川省', romanized: 'Sichuan', platform: '天府通办' };

function entry(n: number, patch: Partial<DcatEntry> = {}): DcatEntry {
  return {
    id: `500000:301001/${String(n).padStart(6, '0')}`,
    kind: 'ORIGINAL',
    name: `企业登记信息 ${n}`,
    abstract: `摘要 "${n}" \\ 含引号与反斜杠`,
    classification: { code: '301001', category: 3, categoryName: '部门信息资源' },
    provider: { name: '重庆市市场监督管理局', creditCode: '11500000009286681X' },
    format: RESOURCE_FORMATS[n % RESOURCE_FORMATS.length]!,
    sharingType: SHARING_TYPES[n % SHARING_TYPES.length]!,
    sharingCondition: n % 3 === 1 ? '需经提供方审批' : null,
    sharingMethod: 'API',
    openType: OPEN_TYPES[n % OPEN_TYPES.length]!,
    updateCycle: UPDATE_CYCLES[n % UPDATE_CYCLES.length]!,
    publishDate: '2023-06-30',
    createdAt: '2024-01-02T03:04:05.000Z',
    updatedAt: `2024-05-${String((n % 28) + 1).padStart(2, '0')}T08:00:00.000Z`,
    mirrorSource: null,
    ...patch,
  };
}

/** Every format, cycle, sharing and opening type, two providers, and a mirror with a visible source. */
const ENTRIES: DcatEntry[] = [
  ...Array.from({ length: 21 }, (_, n) => entry(n, n % 2 ? { provider: { name: '重庆市公安局', creditCode: '11500000009286700H' } } : {})),
  entry(99, {
    id: '500000:mirror:510000:102002/000040',
    kind: 'MIRROR',
    mirrorSource: { id: '510000:102002/000040', name: '四川省社会保障卡信息', abstract: '社会保障卡发放与状态' },
  }),
];

const objects = (quads: Quad[], subject: string, predicate: string) =>
  quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object.value);

describe('DCAT-AP mapping (domain/dcat)', () => {
  it('maps every update cycle to the EU frequency table', () => {
    const eu = 'http://publications.europa.eu/resource/authority/frequency/';
    assert.deepEqual(Object.fromEntries(UPDATE_CYCLES.map((c) => [c, FREQUENCIES[c].iri.slice(eu.length)])), {
      REALTIME: 'UPDATE_CONT',
      DAILY: 'DAILY',
      WEEKLY: 'WEEKLY',
      MONTHLY: 'MONTHLY',
      QUARTERLY: 'QUARTERLY',
      YEARLY: 'ANNUAL',
      IRREGULAR: 'IRREG',
    });
  });

  it('derives access rights from opening, NOT_SHARED always non-public', () => {
    const code = (s: (typeof SHARING_TYPES)[number], o: (typeof OPEN_TYPES)[number]) => accessRight(s, o).iri.replace(/.*\//, '');
    assert.equal(code('UNCONDITIONAL', 'OPEN'), 'PUBLIC');
    assert.equal(code('CONDITIONAL', 'CONDITIONAL_OPEN'), 'RESTRICTED');
    assert.equal(code('UNCONDITIONAL', 'NOT_OPEN'), 'NON_PUBLIC');
    for (const o of OPEN_TYPES) assert.equal(code('NOT_SHARED', o), 'NON_PUBLIC');
  });

  it('derives stable IRIs from the public origin and the entry id', () => {
    const iri = dcatIris(BASE);
    assert.equal(iri.dataset('500000:301001/000123'), `${BASE}/catalogue/id/dataset/500000:301001%2F000123`);
    assert.equal(iri.dataset('500000:mirror:510000:102002/000040'), `${BASE}/catalogue/id/dataset/500000:mirror:510000:102002%2F000040`);
    assert.equal(iri.catalogue('chongqing'), `${BASE}/catalogue/id/catalogue/chongqing`);
    assert.equal(iri.record(iri.catalogue(), '510000:1/2'), `${BASE}/catalogue/id/catalogue/record/510000:1%2F2`);
    assert.equal(iri.graphql(), `${BASE}/graphql`);
  });

  it('describes each entry as a dataset with its record, distribution, publisher and concepts', () => {
    const quads = catalogueQuads({ base: BASE, scope: { province: CHONGQING }, entries: ENTRIES });
    const iri = dcatIris(BASE);
    const e = ENTRIES[1]!;
    const ds = iri.dataset(e.id);
    const catalogue = iri.catalogue('chongqing');
    assert.ok(objects(quads, catalogue, 'http://www.w3.org/ns/dcat#dataset').includes(ds));
    assert.deepEqual(objects(quads, ds, 'http://purl.org/dc/terms/identifier'), [e.id]);
    assert.deepEqual(objects(quads, ds, 'http://purl.org/dc/terms/accrualPeriodicity'), [FREQUENCIES[e.updateCycle].iri]);
    const titles = quads.filter((q) => q.subject.value === ds && q.predicate.value === 'http://purl.org/dc/terms/title');
    assert.equal(titles.length, 1);
    assert.equal(titles[0]!.object.termType === 'Literal' && titles[0]!.object.language, 'zh');
    const issued = quads.find((q) => q.subject.value === ds && q.predicate.value === 'http://purl.org/dc/terms/issued')!.object;
    assert.equal(issued.termType === 'Literal' && issued.datatype.value, 'http://www.w3.org/2001/XMLSchema#date');
    const record = iri.record(catalogue, e.id);
    assert.deepEqual(objects(quads, record, 'http://xmlns.com/foaf/0.1/primaryTopic'), [ds]);
    assert.deepEqual(objects(quads, record, 'http://purl.org/dc/terms/modified'), [e.updatedAt]);
    const publisher = iri.provider(e.provider.creditCode);
    assert.deepEqual(objects(quads, ds, 'http://purl.org/dc/terms/publisher'), [publisher]);
    assert.deepEqual(objects(quads, iri.providerIdentifier(e.provider.creditCode), 'http://www.w3.org/2004/02/skos/core#notation'), [e.provider.creditCode]);
    // A provider and a concept are described once however many datasets name them.
    assert.equal(objects(quads, publisher, 'http://xmlns.com/foaf/0.1/name').length, 1);
    assert.equal(objects(quads, FREQUENCIES.DAILY.iri, 'http://www.w3.org/2004/02/skos/core#prefLabel').length, 1);
    // The catalogue's modified is its latest entry's.
    assert.deepEqual(objects(quads, catalogue, 'http://purl.org/dc/terms/modified'), [
      ENTRIES.map((x) => x.updatedAt)
        .sort()
        .at(-1),
    ]);
    // The mirror points at its source, which is described as a dataset of its own.
    const mirror = iri.dataset(ENTRIES.at(-1)!.id);
    const source = iri.dataset('510000:102002/000040');
    assert.deepEqual(objects(quads, mirror, 'http://purl.org/dc/terms/source'), [source]);
    assert.deepEqual(objects(quads, source, 'http://purl.org/dc/terms/title'), ['四川省社会保障卡信息']);
    assert.ok(!objects(quads, catalogue, 'http://www.w3.org/ns/dcat#dataset').includes(source), 'the source is not listed in this catalogue');
  });

  for (const [name, serialise, mediaType] of [
    ['Turtle', toTurtle, TURTLE],
    ['JSON-LD', toJsonLd, JSON_LD],
  ] as const) {
    for (const scope of [{ province: CHONGQING }, { provinces: [CHONGQING, SICHUAN] }]) {
      const label = 'province' in scope ? 'a province' : 'the unified';
      it(`${label} catalogue as ${name} round-trips and has 0 violations against both shape files`, async function () {
        this.timeout(30_000);
        const quads = catalogueQuads({ base: BASE, scope, entries: ENTRIES });
        const ds = await parseRdf(await serialise(quads), mediaType);
        assert.equal(ds.size, quads.length);
        for (const q of quads) assert.ok(ds.has(q), `${q.subject.value} ${q.predicate.value} ${q.object.value}`);
        for (const file of SHAPE_FILES) {
          const violations = await shaclViolations(ds, file);
          assert.deepEqual(violations, [], file);
        }
      });
    }
  }

  it('an empty catalogue conforms too', async () => {
    const ds = await parseRdf(await toTurtle(catalogueQuads({ base: BASE, scope: { province: SICHUAN }, entries: [] })), TURTLE);
    for (const file of SHAPE_FILES) assert.deepEqual(await shaclViolations(ds, file), [], file);
  });

  it('control: the validator reports a dataset without a title, and an untyped frequency', async () => {
    const quads = catalogueQuads({ base: BASE, scope: { province: CHONGQING }, entries: [entry(1)] });
    const ds = dcatIris(BASE).dataset(entry(1).id);
    const broken = quads.filter(
      (q) =>
        !(q.subject.value === ds && q.predicate.value === 'http://purl.org/dc/terms/title') &&
        !(q.subject.value.startsWith('http://publications.europa.eu/resource/authority/frequency/') && q.predicate.value.endsWith('#type')),
    );
    const parsed = await parseRdf(await toTurtle(broken), TURTLE);
    assert.ok((await shaclViolations(parsed, 'dcat-ap-SHACL.ttl')).some((v) => v.includes('http://purl.org/dc/terms/title')));
    assert.ok((await shaclViolations(parsed, 'dcat-ap-ranges-SHACL.ttl')).some((v) => v.includes('accrualPeriodicity')));
  });

  it('JSON-LD is compacted with the prefixes as its context, literals keeping their datatype', async () => {
    const doc = JSON.parse(await toJsonLd(catalogueQuads({ base: BASE, scope: { province: CHONGQING }, entries: [entry(1)] })));
    assert.equal(doc['@context'].dcat, 'http://www.w3.org/ns/dcat#');
    const dataset = doc['@graph'].find((n: { '@type'?: string[] }) => Array.isArray(n['@type']) && n['@type'].includes('dcat:Dataset'));
    assert.deepEqual(dataset['dct:issued'], { '@type': 'xsd:date', '@value': '2023-06-30' });
    assert.deepEqual(dataset['dct:title'], { '@language': 'zh', '@value': '企业登记信息 1' });
  });
});

describe('gateway.publicUrl (the DCAT-AP export base)', () => {
  const withGateway = (gateway: Record<string, unknown>) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chuanyu-cfg-'));
    cpSync(path.join(ROOT_DIR, 'config'), dir, { recursive: true });
    const gw = JSON.parse(readFileSync(path.join(dir, 'gateway.json'), 'utf8'));
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ ...gw, ...gateway }));
    return loadStackConfig({ configDir: dir });
  };

  it('defaults to the dev gateway origin and takes an https origin', () => {
    assert.equal(withGateway({}).gateway.publicUrl, 'https://localhost:4000');
    assert.equal(withGateway({ publicUrl: 'https://catalogue.chuanyu.gov.cn' }).gateway.publicUrl, 'https://catalogue.chuanyu.gov.cn');
  });

  it('refuses anything but an https origin, naming the key', () => {
    for (const bad of [
      'http://gateway.example',
      'https://gateway.example/',
      'https://gateway.example/dcat',
      'https://gateway.example?x=1',
      'gateway.example',
    ]) {
      assert.throws(() => withGateway({ publicUrl: bad }), /gateway\.json: publicUrl/, bad);
    }
  });
});
