// Deterministic demo e-certificates for one province (docs/DESIGN.md §3 "Demo data"): several types,
// issued by the province's demo departments (the same departments, with the same USCCs, as its
// demo catalogue), holders with valid USCCs or GB 11643 resident IDs, about 10 % expired and 5 %
// revoked relative to a FIXED reference date (2026-01-01 by default), never the clock.
//
// The generator returns each holder's ID in clear next to the record ONLY so tests and the demo
// can present it at a counter; whoever stores the records keeps the record (hash + mask) alone.
import { CERTIFICATE_TYPES, formatCertificateId, type CertificateType } from '../certificate-id.js';
import { holderIdHash, maskHolderId, residentIdCheckChar, type CertificateRecordWithoutSeal, type HolderIdType } from '../certificate.js';
import { demoDepartments, mulberry32, type DemoDepartment } from './catalogue.js';
import { USCC_ALPHABET, makeUscc } from '../uscc.js';

const DEMO_CERTIFICATE_REFERENCE_DATE = '2026-01-01';
const MAX_COUNT = 100_000;
const REVOKED_SHARE = 0.05;
const EXPIRED_SHARE = 0.1;

export interface DemoCertificateOptions {
  divisionCode: string;
  provinceName: string;
  count: number;
  seed: number;
  /** The province's holder-ID salt (holderIdHash), at least 16 bytes. */
  salt: string | Uint8Array;
  /** Reference date for "expired"; defaults to 2026-01-01T00:00:00Z so output never depends on the clock. */
  now?: Date;
}

export interface DemoCertificate {
  record: CertificateRecordWithoutSeal;
  /** In clear for tests and demos only; never stored. */
  holderId: string;
}

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)] as T;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const DAY_MS = 86_400_000;
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayFromIso = (s: string): number => dayOf(Date.parse(`${s}T00:00:00Z`));
/** The same calendar day `years` later (29 Feb → 1 Mar), as a day number. */
function addYears(day: number, years: number): number {
  const d = new Date(day * DAY_MS);
  return dayOf(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
}

// ---------------------------------------------------------------------------------------------
// Places and names

// GB/T 2260 county-level codes, used as resident-ID address codes and company registration seats.
const COUNTIES: Readonly<Record<string, readonly string[]>> = {
  '50': [
    '500101',
    '500102',
    '500103',
    '500104',
    '500105',
    '500106',
    '500107',
    '500108',
    '500109',
    '500110',
    '500111',
    '500112',
    '500113',
    '500114',
    '500115',
    '500116',
    '500117',
    '500118',
    '500119',
    '500120',
    '500151',
    '500152',
    '500153',
    '500154',
    '500155',
    '500156',
    '500229',
    '500230',
    '500231',
    '500233',
    '500235',
    '500236',
    '500237',
    '500238',
    '500240',
    '500241',
    '500242',
    '500243',
  ],
  '51': [
    '510104',
    '510105',
    '510106',
    '510107',
    '510108',
    '510112',
    '510113',
    '510114',
    '510115',
    '510116',
    '510117',
    '510181',
    '510302',
    '510402',
    '510502',
    '510603',
    '510703',
    '510802',
    '510903',
    '511002',
    '511102',
    '511302',
    '511402',
    '511502',
    '511602',
    '511702',
    '511802',
    '511902',
    '512002',
  ],
};

// Neighbouring province for holders born elsewhere (川渝: many Chongqing residents were born in
// Sichuan and vice versa).
const NEIGHBOUR: Readonly<Record<string, string>> = { '50': '51', '51': '50' };

// 省级简称, used in licence numbers (渝/川 …).
const SHORT_NAMES: Readonly<Record<string, string>> = { '11': '京', '31': '沪', '50': '渝', '51': '川', '52': '黔', '53': '滇' };

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '高',
  '林',
  '罗',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
  '彭',
  '曾',
  '肖',
  '田',
  '董',
  '袁',
  '潘',
  '蒋',
  '蔡',
  '余',
  '杜',
  '叶',
  '程',
  '苏',
  '魏',
  '吕',
  '丁',
  '任',
  '沈',
  '姚',
  '卢',
  '钟',
  '谭',
  '陆',
  '汪',
  '范',
  '廖',
  '贾',
  '夏',
  '付',
  '方',
  '邹',
  '熊',
  '秦',
  '江',
  '尹',
  '雷',
  '龙',
  '陶',
  '贺',
  '向',
  '母',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀',
  '霞',
  '平',
  '刚',
  '桂',
  '英',
  '华',
  '玉',
  '兰',
  '建',
  '国',
  '志',
  '文',
  '红',
  '春',
  '海',
  '林',
  '成',
  '波',
  '宇',
  '浩',
  '欣',
  '怡',
  '梓',
  '涵',
  '子',
  '轩',
  '睿',
  '思',
  '雨',
  '佳',
  '嘉',
  '俊',
  '鑫',
  '婷',
  '雪',
  '琳',
  '晨',
  '阳',
  '瑶',
  '鹏',
  '飞',
  '蓉',
  '川',
  '渝',
  '德',
  '福',
  '庆',
  '蕾',
  '倩',
  '宏',
  '斌',
  '凯',
  '诗',
  '博',
];
const BRAND = [
  '鑫',
  '恒',
  '宏',
  '瑞',
  '金',
  '天',
  '嘉',
  '锦',
  '德',
  '和',
  '众',
  '聚',
  '汇',
  '信',
  '安',
  '永',
  '福',
  '兴',
  '佳',
  '博',
  '华',
  '盛',
  '通',
  '达',
  '利',
  '源',
  '诚',
  '泰',
  '祥',
  '丰',
  '远',
  '润',
  '顺',
  '宜',
  '山',
  '江',
];

/** One or (mostly) two given-name characters. */
function givenName(rng: Rng): string {
  return pick(rng, GIVEN) + (rng() < 0.75 ? pick(rng, GIVEN) : '');
}

function brand(rng: Rng): string {
  const a = pick(rng, BRAND);
  let b = pick(rng, BRAND);
  while (b === a) b = pick(rng, BRAND);
  return a + b;
}

// ---------------------------------------------------------------------------------------------
// Holder identifiers

/** A GB 11643 resident ID: address code, birth date, sequence (odd: male), check character. */
function residentId(rng: Rng, address: string, birthDay: number): string {
  const first17 = `${address}${isoDay(birthDay).replaceAll('-', '')}${pad(int(rng, 1000), 3)}`;
  return first17 + residentIdCheckChar(first17);
}

// GB 11714-1997 organisation code check character over 8 characters (digits 0–9, letters A–Z as
// 10–35): weights 3,7,9,10,5,8,4,2; C9 = 11 − (Σ mod 11), 10 → X, 11 → 0.
function gb11714Check(body8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 8; i += 1) s += parseInt(body8.charAt(i), 36) * (w[i] as number);
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

// Body characters of codes assigned since 2015 by market regulators: "MA" + 6 characters from the
// USCC alphabet (GB 32100 table 1, which leaves out I O S V Z).
const BODY_CHARS: readonly string[] = [...USCC_ALPHABET];

/** GB 32100 code of a market entity: 9 (工商) + 1 enterprise / 2 individual business. */
function marketUscc(rng: Rng, division: string, individual: boolean): string {
  let body = 'MA';
  for (let i = 0; i < 6; i += 1) body += pick(rng, BODY_CHARS);
  return makeUscc(`9${individual ? '2' : '1'}${division}${body}${gb11714Check(body)}`);
}

// ISO/IEC 7064 MOD 11,10 (hybrid): check digit of the pre-2015 15-digit business registration
// number (工商注册号, GS15-2006: 6-digit registration authority, 8-digit sequence, check digit).
function mod1110Check(digits: string): string {
  let p = 10;
  for (const ch of digits) {
    let s = (p + Number(ch)) % 10;
    if (s === 0) s = 10;
    p = (s * 2) % 11;
  }
  return String((11 - p) % 10);
}

// ---------------------------------------------------------------------------------------------
// Demo type specifications

type HolderProfile = 'COMPANY' | 'FOOD' | 'PHARMACY' | 'TRANSPORT' | 'ADULT' | 'NEWBORN' | 'DOCTOR';

interface NumberContext {
  rng: Rng;
  dept: DemoDepartment;
  short: string;
  provinceName: string;
  year: number;
  /** 1, 2, … per certificate type within the province, so numbers never repeat. */
  seq: number;
}

interface DemoTypeSpec {
  type: CertificateType;
  /** Department keys (demo/catalogue.ts) that issue this type. */
  departments: readonly string[];
  weight: number;
  holder: HolderProfile;
  number: (c: NumberContext) => string;
  revocationReasons: readonly string[];
}

function typeNamed(name: string): CertificateType {
  const t = CERTIFICATE_TYPES.find((x) => x.name === name);
  if (!t) throw new Error(`demo certificates: no certificate type ${name}`);
  return t;
}

const SPECS: readonly DemoTypeSpec[] = [
  {
    type: typeNamed('营业执照'),
    departments: ['market'],
    weight: 30,
    holder: 'COMPANY',
    // Since 2015 the licence shows the holder's USCC; the old registration number is used as the
    // demo licence number instead, so no holder ID appears in clear in a record.
    number: ({ dept, seq }) => {
      const first14 = `${dept.divisionCode}${pad(seq, 8)}`;
      return first14 + mod1110Check(first14);
    },
    revocationReasons: ['企业申请注销登记，营业执照依法收回', '被依法吊销营业执照', '企业名称变更，原营业执照作废并换发'],
  },
  {
    type: typeNamed('食品经营许可证'),
    departments: ['market'],
    weight: 18,
    holder: 'FOOD',
    // JY + 主体业态 (1 食品销售 2 餐饮服务 3 单位食堂) + division + sequence + one more digit (a
    // check digit in the real scheme; drawn at random here).
    number: ({ rng, dept, seq }) => `JY${1 + int(rng, 3)}${dept.divisionCode}${pad(seq, 6)}${int(rng, 10)}`,
    revocationReasons: ['经营者申请注销食品经营许可', '被依法撤销食品经营许可', '经营场所变更，原许可证作废并换发'],
  },
  {
    type: typeNamed('药品经营许可证'),
    departments: ['drug'],
    weight: 8,
    holder: 'PHARMACY',
    number: ({ rng, short, dept, seq }) => `${short}${pick(rng, ['AA', 'CA', 'CB'])}${dept.divisionCode.slice(2)}${pad(seq, 4)}`,
    revocationReasons: ['企业申请注销药品经营许可证', '被依法吊销药品经营许可证'],
  },
  {
    type: typeNamed('不动产权证书'),
    departments: ['land'],
    weight: 18,
    holder: 'ADULT',
    number: ({ short, dept, provinceName, year, seq }) => `${short}（${year}）${dept.place ?? provinceName}不动产权第${pad(seq, 7)}号`,
    revocationReasons: ['不动产权利已转移登记，原证书注销', '不动产已分割登记，原证书注销', '登记事项更正，原证书作废并换发'],
  },
  {
    type: typeNamed('道路运输经营许可证'),
    departments: ['transport'],
    weight: 8,
    holder: 'TRANSPORT',
    number: ({ short, dept, seq }) => `${short}交运管许可${short}字${dept.divisionCode}${pad(seq, 6)}号`,
    revocationReasons: ['经营者申请终止经营，许可证注销', '被依法吊销道路运输经营许可证'],
  },
  {
    type: typeNamed('出生医学证明'),
    departments: ['health'],
    weight: 10,
    holder: 'NEWBORN',
    number: ({ rng, year }) => `${String.fromCharCode(65 + ((year - 2000) % 26))}${pad(int(rng, 1_000_000_000), 9)}`,
    revocationReasons: ['登记信息有误，原证作废并换发', '遗失补发，原证作废'],
  },
  {
    type: typeNamed('医师执业证书'),
    departments: ['health'],
    weight: 8,
    holder: 'DOCTOR',
    number: ({ rng, dept, seq }) => `${1 + int(rng, 4)}${pick(rng, ['10', '20', '30'])}${dept.divisionCode}${pad(seq, 6)}`,
    revocationReasons: ['医师申请注销执业注册', '被依法吊销医师执业证书'],
  },
];

interface Holder {
  name: string;
  idType: HolderIdType;
  id: string;
}

function orgName(rng: Rng, region: string, place: string | null, profile: HolderProfile, individual: boolean, surname: string): string {
  switch (profile) {
    case 'FOOD':
      return individual
        ? `${place ?? region}${surname}记${pick(rng, ['小面馆', '火锅店', '串串香店', '冷锅鱼店', '烧烤店', '便利店', '副食店', '面包店', '抄手店', '豆花饭店'])}`
        : `${region}${brand(rng)}${pick(rng, ['餐饮管理有限公司', '食品有限公司', '超市有限公司', '火锅有限公司'])}`;
    case 'PHARMACY':
      return individual ? `${place ?? region}${brand(rng)}药店` : `${region}${brand(rng)}${pick(rng, ['大药房有限公司', '医药连锁有限公司', '药业有限公司'])}`;
    case 'TRANSPORT':
      return `${region}${brand(rng)}${pick(rng, ['运输有限公司', '物流有限公司', '客运有限公司', '货运有限责任公司'])}`;
    default:
      return `${region}${brand(rng)}${pick(rng, [
        '科技',
        '商贸',
        '建筑工程',
        '物流',
        '餐饮管理',
        '信息技术',
        '文化传媒',
        '农业开发',
        '机械制造',
        '电子商务',
        '房地产开发',
        '环保科技',
      ])}${pick(rng, ['有限公司', '有限公司', '有限责任公司', '股份有限公司'])}`;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * `count` certificates for one province, identical for identical options. Throws RangeError on a
 * bad division code or count, or if the province has no department issuing any demo type.
 */
export function generateDemoCertificates(opts: DemoCertificateOptions): DemoCertificate[] {
  const { divisionCode, provinceName, count, seed, salt } = opts;
  if (!/^[1-9]\d0000$/.test(divisionCode)) throw new RangeError('divisionCode must be a province code like 500000');
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) throw new RangeError(`count must be an integer 0–${MAX_COUNT}`);
  const refDay = dayOf((opts.now ?? new Date(`${DEMO_CERTIFICATE_REFERENCE_DATE}T00:00:00Z`)).getTime());
  const earliest = dayFromIso('2010-01-01');
  if (!(refDay > dayFromIso('2016-01-01'))) throw new RangeError('now must be after 2016-01-01');

  const prefix = divisionCode.slice(0, 2);
  const short = SHORT_NAMES[prefix] ?? provinceName.charAt(0);
  // Enterprise names start with the province (重庆…, 四川…) — the part before 市/省.
  const region = provinceName.replace(/(省|市|自治区|特别行政区)$/, '');
  const counties = COUNTIES[prefix] ?? [`${prefix}0102`];
  const neighbour = COUNTIES[NEIGHBOUR[prefix] ?? prefix] ?? counties;

  const departments = demoDepartments({ divisionCode, provinceName, seed });
  const specs = SPECS.map((s) => ({ spec: s, issuers: departments.filter((d) => s.departments.includes(d.key)) })).filter((s) => s.issuers.length > 0);
  if (specs.length === 0) throw new RangeError('demo certificates: the province has no issuing departments');
  const finite = specs.filter((s) => s.spec.type.validityYears !== null);

  const rng = mulberry32((seed ^ 0x2c1b3c6d) >>> 0);
  const weighted = (xs: typeof specs): ((r: Rng) => (typeof specs)[number]) => {
    const total = xs.reduce((a, x) => a + x.spec.weight, 0);
    return (r) => {
      let v = r() * total;
      for (const x of xs) {
        v -= x.spec.weight;
        if (v < 0) return x;
      }
      return xs[xs.length - 1] as (typeof xs)[number];
    };
  };
  const pickAny = weighted(specs);
  const pickFinite = finite.length > 0 ? weighted(finite) : null;

  // Exact shares, shuffled (Fisher–Yates), so the mix holds for every seed.
  const fate: ('VALID' | 'EXPIRED' | 'REVOKED')[] = new Array(count).fill('VALID');
  const nRevoked = Math.round(count * REVOKED_SHARE);
  const nExpired = pickFinite ? Math.round(count * EXPIRED_SHARE) : 0;
  for (let i = 0; i < nRevoked; i += 1) fate[i] = 'REVOKED';
  for (let i = nRevoked; i < nRevoked + nExpired; i += 1) fate[i] = 'EXPIRED';
  for (let i = count - 1; i > 0; i -= 1) {
    const j = int(rng, i + 1);
    [fate[i], fate[j]] = [fate[j] as (typeof fate)[number], fate[i] as (typeof fate)[number]];
  }

  const sequences = new Map<string, number>();
  const numberSequences = new Map<string, number>();
  const out: DemoCertificate[] = [];
  for (let i = 0; i < count; i += 1) {
    const f = fate[i] as (typeof fate)[number];
    const { spec, issuers } = f === 'EXPIRED' && pickFinite ? pickFinite(rng) : pickAny(rng);
    const dept = pick(rng, issuers);
    const years = spec.type.validityYears;

    // Issue date: an expired certificate's term ended before the reference date; a live one with
    // a term still runs on it (validTo ≥ reference date); open-ended ones any day since 2010.
    let issueDay: number;
    if (years !== null && f === 'EXPIRED') {
      const last = addYears(refDay, -years) - 1;
      issueDay = last - int(rng, 5 * 365);
    } else if (years !== null) {
      const first = addYears(refDay, -years) + 1;
      issueDay = first + int(rng, refDay - first);
    } else {
      const first = spec.holder === 'NEWBORN' ? dayFromIso('2015-01-01') : earliest;
      issueDay = first + int(rng, refDay - first);
    }
    const validTo = years === null ? null : addYears(issueDay, years) - 1;
    const year = new Date(issueDay * DAY_MS).getUTCFullYear();

    // Holder.
    let holder: Holder;
    const surname = pick(rng, SURNAMES);
    if (spec.type.holderKind === 'ORGANIZATION') {
      const individual = (spec.holder === 'FOOD' || spec.holder === 'PHARMACY') && rng() < 0.35;
      // A business licence's holder is registered where the licence was issued.
      const seat = spec.holder === 'COMPANY' || dept.divisionCode !== divisionCode ? dept.divisionCode : pick(rng, counties);
      holder = {
        name: orgName(rng, region, dept.place, spec.holder, individual, surname),
        idType: 'USCC',
        id: marketUscc(rng, seat, individual),
      };
    } else {
      let birthDay: number;
      if (spec.holder === 'NEWBORN') birthDay = issueDay - int(rng, 30);
      else {
        const [minAge, maxAge] = spec.holder === 'DOCTOR' ? [24, 60] : [22, 75];
        birthDay = issueDay - Math.floor((minAge + rng() * (maxAge - minAge)) * 365.25);
      }
      const address = rng() < 0.85 ? pick(rng, counties) : pick(rng, neighbour);
      holder = { name: surname + givenName(rng), idType: 'RESIDENT_ID', id: residentId(rng, address, birthDay) };
    }

    // Serial: issue year + per-(type, issuer, year) sequence; unique because the identifier also
    // carries the type and the issuer.
    const seqKey = `${spec.type.code}|${dept.uscc}|${year}`;
    const seq = (sequences.get(seqKey) ?? 0) + 1;
    sequences.set(seqKey, seq);
    const numberSeq = (numberSequences.get(spec.type.code) ?? 0) + 1;
    numberSequences.set(spec.type.code, numberSeq);
    const version = rng() < 0.04 ? 2 : 1;
    const id = formatCertificateId({ typeCode: spec.type.code, issuerCode: dept.uscc, serial: `${year}${pad(seq, 6)}`, version });

    let revokedAt: string | null = null;
    let revocationReason: string | null = null;
    if (f === 'REVOKED') {
      const day = issueDay + 1 + int(rng, Math.max(1, refDay - issueDay - 1));
      // Beijing office hours, 09:00–17:59 (UTC+8).
      revokedAt = new Date(day * DAY_MS + (1 + int(rng, 9)) * 3_600_000 + int(rng, 3600) * 1000).toISOString();
      revocationReason = pick(rng, spec.revocationReasons);
    }

    out.push({
      record: {
        id,
        typeCode: spec.type.code,
        typeName: spec.type.name,
        number: spec.number({ rng, dept, short, provinceName, year, seq: numberSeq }),
        name: spec.type.name,
        issuerName: dept.name,
        issuerCode: dept.uscc,
        issuerDivisionCode: dept.divisionCode,
        definingAuthority: spec.type.definingAuthority,
        issueDate: isoDay(issueDay),
        validFrom: isoDay(issueDay),
        validTo: validTo === null ? null : isoDay(validTo),
        holder: {
          name: holder.name,
          idType: holder.idType,
          idHash: holderIdHash(salt, holder.idType, holder.id),
          idMasked: maskHolderId(holder.idType, holder.id),
        },
        status: f === 'REVOKED' ? 'REVOKED' : 'VALID',
        revokedAt,
        revocationReason,
      },
      holderId: holder.id,
    });
  }
  return out;
}
