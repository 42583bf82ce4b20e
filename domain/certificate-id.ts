// E-certificate identifiers (电子证照标识), GB/T 36904-2018 (docs/DESIGN.md §3):
//
//   1.2.156.3005.2.<type code 21>.<issuer USCC 18>.<serial 1–32>.<version 3>.<check 1>
//
//   1.2.156.3005.2  the e-certificate identifier OID root (under ISO member-body China, 1.2.156)
//   type code       证照类型代码, [0-9A-Z]
//   issuer          证照颁发机构代码: the issuing authority's GB 32100 unified social credit code;
//                   its characters 3–8 are the GB/T 2260 division code, which decides the issuing
//                   province, so a malformed identifier is refused before any network call
//   serial          证照流水号, [0-9A-Z]
//   version         版本号, 3 digits
//   check           校验位: ISO/IEC 7064 (GB/T 17710) MOD 37,36 over type + issuer + serial + version
//
// Identifiers are matched exactly: lower case and surrounding spaces are refused, not normalised,
// so a stored identifier is always the canonical form. Parse reasons never quote the input.
import { isKnownDivision } from './division.js';
import { validateUscc } from './uscc.js';

const CERTIFICATE_ID_ROOT = '1.2.156.3005.2';
const CERTIFICATE_ID_MAX_LENGTH = 128;
const CERTIFICATE_TYPE_CODE_LENGTH = 21;
const CERTIFICATE_SERIAL_MAX_LENGTH = 32;

const ROOT_PREFIX = `${CERTIFICATE_ID_ROOT}.`;
const ISSUER_LENGTH = 18;
const VERSION_LENGTH = 3;

// ISO/IEC 7064 MOD 37,36: the 36-character alphanumeric set; a character's value is its index.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 36;
const VALUE: ReadonlyMap<string, number> = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * ISO/IEC 7064 MOD 37,36 check character (hybrid system, M = 36, M + 1 = 37) for a payload of
 * 0–9 A–Z. Throws RangeError on an empty payload or a character outside that set.
 */
export function certificateCheckChar(payload: string): string {
  if (typeof payload !== 'string' || payload.length === 0) throw new RangeError('payload must be a non-empty string');
  // ISO/IEC 7064 §7 hybrid recurrence: P₀ = M; Sⱼ = (Pⱼ₋₁ + aⱼ) mod M with 0 read as M;
  // Pⱼ = 2·Sⱼ mod (M + 1). The check c makes (Pₙ + c) mod M = 1.
  let p = M;
  for (let i = 0; i < payload.length; i += 1) {
    const a = VALUE.get(payload.charAt(i));
    if (a === undefined) throw new RangeError(`illegal character at position ${i + 1}`);
    let s = (p + a) % M;
    if (s === 0) s = M;
    p = (s * 2) % (M + 1);
  }
  return ALPHABET.charAt((M + 1 - p) % M);
}

// ---------------------------------------------------------------------------------------------
// Certificate types

export type HolderKind = 'ORGANIZATION' | 'PERSON';

export interface CertificateType {
  /** 证照类型代码, 21 characters. */
  code: string;
  /** 证照类型名称. */
  name: string;
  holderKind: HolderKind;
  /** 证照定义机构: the national authority that defines the certificate type. */
  definingAuthority: string;
  /** Validity in years from the issue date; null: open-ended (长期有效). */
  validityYears: number | null;
}

// Type codes follow the national e-certificate catalogue: the defining authority's 18-character
// USCC followed by a 3-digit sequence of that authority's types (e.g. 11100000000013338W011 in
// published national identifiers). The brief suggested an 11 + 10 split; the published codes are
// 18 + 3, so that is used, and both are 21 characters of [0-9A-Z] for the identifier grammar.
// The authorities' USCCs below are demo codes of the right form (division 100000 = national,
// valid GB 11714 and GB 32100 check characters), NOT the real codes of those authorities.
const SAMR = '11100000000015106N'; // 国家市场监督管理总局 (demo code)
const NMPA = '111000000000152020'; // 国家药品监督管理局 (demo code)
const MNR = '11100000000015309B'; // 自然资源部 (demo code)
const MOT = '11100000000015405L'; // 交通运输部 (demo code)
const NHC = '11100000000015501X'; // 国家卫生健康委员会 (demo code)

export const CERTIFICATE_TYPES: readonly CertificateType[] = [
  { code: `${SAMR}001`, name: '营业执照', holderKind: 'ORGANIZATION', definingAuthority: '国家市场监督管理总局', validityYears: null },
  { code: `${SAMR}002`, name: '食品经营许可证', holderKind: 'ORGANIZATION', definingAuthority: '国家市场监督管理总局', validityYears: 5 },
  { code: `${NMPA}001`, name: '药品经营许可证', holderKind: 'ORGANIZATION', definingAuthority: '国家药品监督管理局', validityYears: 5 },
  { code: `${MNR}001`, name: '不动产权证书', holderKind: 'PERSON', definingAuthority: '自然资源部', validityYears: null },
  { code: `${MOT}001`, name: '道路运输经营许可证', holderKind: 'ORGANIZATION', definingAuthority: '交通运输部', validityYears: 4 },
  { code: `${NHC}001`, name: '出生医学证明', holderKind: 'PERSON', definingAuthority: '国家卫生健康委员会', validityYears: null },
  { code: `${NHC}002`, name: '医师执业证书', holderKind: 'PERSON', definingAuthority: '国家卫生健康委员会', validityYears: null },
];

const TYPES_BY_CODE: ReadonlyMap<string, CertificateType> = new Map(CERTIFICATE_TYPES.map((t) => [t.code, t]));

export function certificateTypeByCode(code: string): CertificateType | undefined {
  return TYPES_BY_CODE.get(code);
}

// ---------------------------------------------------------------------------------------------
// Parsing and formatting

export interface CertificateId {
  id: string;
  typeCode: string;
  issuerCode: string;
  /** GB/T 2260 division code of the issuer: characters 3–8 of its USCC (GB 32100). */
  divisionCode: string;
  serial: string;
  /** 3 digits, as written. */
  version: string;
  check: string;
}

export type CertificateIdResult = { ok: true; value: CertificateId } | { ok: false; reason: string };

const fail = (reason: string): CertificateIdResult => ({ ok: false, reason });

interface SegmentSpec {
  name: string;
  min: number;
  max: number;
  chars: RegExp;
  charsText: string;
}

const SEGMENTS: readonly SegmentSpec[] = [
  { name: 'type code', min: CERTIFICATE_TYPE_CODE_LENGTH, max: CERTIFICATE_TYPE_CODE_LENGTH, chars: /[^0-9A-Z]/, charsText: '0-9 A-Z' },
  { name: 'issuer code', min: ISSUER_LENGTH, max: ISSUER_LENGTH, chars: /[^0-9A-Z]/, charsText: '0-9 A-Z' },
  { name: 'serial', min: 1, max: CERTIFICATE_SERIAL_MAX_LENGTH, chars: /[^0-9A-Z]/, charsText: '0-9 A-Z' },
  { name: 'version', min: VERSION_LENGTH, max: VERSION_LENGTH, chars: /[^0-9]/, charsText: 'digits' },
  { name: 'check character', min: 1, max: 1, chars: /[^0-9A-Z]/, charsText: '0-9 A-Z' },
];

function lengthText(s: SegmentSpec): string {
  if (s.min !== s.max) return `${s.min}–${s.max} characters`;
  return s.min === 1 ? '1 character' : `${s.min} characters`;
}

/** Parses and validates an e-certificate identifier. Reasons never quote the input. */
export function parseCertificateId(s: string): CertificateIdResult {
  if (typeof s !== 'string') return fail('certificate identifier must be a string');
  if (s.length === 0) return fail('certificate identifier is empty');
  if (s.length > CERTIFICATE_ID_MAX_LENGTH) return fail(`certificate identifier longer than ${CERTIFICATE_ID_MAX_LENGTH} characters`);
  if (!s.startsWith(ROOT_PREFIX)) return fail(`certificate identifier must start with the e-certificate OID root ${ROOT_PREFIX}`);

  const parts = s.slice(ROOT_PREFIX.length).split('.');
  if (parts.length !== SEGMENTS.length) {
    return fail(`expected ${SEGMENTS.length} segments after the OID root (type.issuer.serial.version.check), got ${parts.length}`);
  }
  for (let i = 0; i < SEGMENTS.length; i += 1) {
    const spec = SEGMENTS[i] as SegmentSpec;
    const part = parts[i] as string;
    if (part.length < spec.min || part.length > spec.max) {
      return fail(`${spec.name} must be ${lengthText(spec)}, got ${part.length}`);
    }
  }
  for (let i = 0; i < SEGMENTS.length; i += 1) {
    const spec = SEGMENTS[i] as SegmentSpec;
    const bad = spec.chars.exec(parts[i] as string);
    if (bad) return fail(`illegal character in ${spec.name} at position ${bad.index + 1} (allowed: ${spec.charsText})`);
  }
  const [typeCode, issuerCode, serial, version, check] = parts as [string, string, string, string, string];
  const issuer = validateUscc(issuerCode);
  if (!issuer.ok) return fail(`issuer code is not a valid unified social credit code: ${issuer.reason}`);
  if (certificateCheckChar(typeCode + issuerCode + serial + version) !== check) {
    return fail('bad check character (ISO/IEC 7064 MOD 37,36)');
  }
  if (!isKnownDivision(issuer.divisionCode)) return fail(`issuer division ${issuer.divisionCode} is not a GB/T 2260 division code`);
  return { ok: true, value: { id: s, typeCode, issuerCode, divisionCode: issuer.divisionCode, serial, version, check } };
}

export function isValidCertificateId(s: string): boolean {
  return parseCertificateId(s).ok;
}

export interface CertificateIdParts {
  typeCode: string;
  issuerCode: string;
  serial: string;
  /** 1–999, or already written as 3 digits. */
  version: number | string;
}

/** Builds an identifier with its check character; throws RangeError if it would not parse. */
export function formatCertificateId(parts: CertificateIdParts): string {
  const { typeCode, issuerCode, serial } = parts;
  let version: string;
  if (typeof parts.version === 'number') {
    if (!Number.isInteger(parts.version) || parts.version < 0 || parts.version > 999) {
      throw new RangeError('version must be an integer 0–999');
    }
    version = String(parts.version).padStart(VERSION_LENGTH, '0');
  } else {
    version = parts.version;
  }
  const payload = `${typeCode}${issuerCode}${serial}${version}`;
  if (!/^[0-9A-Z]+$/.test(payload)) throw new RangeError('identifier parts may contain only 0-9 A-Z');
  const id = `${ROOT_PREFIX}${typeCode}.${issuerCode}.${serial}.${version}.${certificateCheckChar(payload)}`;
  const r = parseCertificateId(id);
  if (!r.ok) throw new RangeError(r.reason);
  return id;
}
