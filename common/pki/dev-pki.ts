// Development PKI (docs/DESIGN.md §4): per province a root CA, a subgraph server certificate, client
// certificates for the sample callers, the CA's CRL, an IdP signing key and a certificate-seal key; for the gateway
// its own CA, server and client certificates and the key it signs caller assertions with.
//
// Keys come from node:crypto (native, fast). Certificates are built and signed with node-forge,
// which only signs with RSA, hence RSA 2048 for every X.509 key; JWT/JWS keys are EC P-256 (ES256).
//
// Idempotent: a private key file is the source of truth and is never replaced unless `force`.
// Public artefacts (certificate, JWKS) are written when missing, and re-derived from the existing
// key when they are stale (expired, not matching the key, or no longer issued by the current CA,
// e.g. after the CA was regenerated): such a file cannot be used anyway.
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import forge from 'node-forge';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { issueCrl, normalizeSerial, verifyCrl, type CrlEntry } from './crl.js';
import { DEV_CLIENTS, gatewayPaths, provincePaths } from './paths.js';
import { pemToDer } from './thumbprint.js';

export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

export interface SigningKey {
  privatePem: string;
  jwks: { keys: JWK[] };
  kid: string;
}

export interface DevPkiProvince {
  id: string;
  name: string;
  divisionCode: string;
}

export interface EnsureDevPkiOptions {
  certsDir: string;
  provinces: DevPkiProvince[];
  force?: boolean;
  log?: (msg: string) => void;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// 825 days: the longest leaf lifetime TLS clients have accepted (CA/Browser Forum, 2018).
const LEAF_DAYS = 825;
const CA_YEARS = 10;
// Back-date by an hour so a freshly issued certificate is valid on hosts whose clock lags a little.
const BACKDATE_MS = HOUR_MS;
// A dev CRL's nextUpdate (RFC 5280 §5.1.2.5); `npm run pki` renews it once half of that has passed,
// so a stack started from `npm start` never meets a stale one.
const CRL_DAYS = 30;

const KEY_MODE = 0o600;
const PUBLIC_MODE = 0o644;

const GATEWAY_NAME = '川渝政务数据目录联邦网关';
const GATEWAY_CA_CN = `${GATEWAY_NAME} CA (dev)`;
const GATEWAY_CLIENT_CN = 'chuanyu-gateway';
const LOCAL_SANS = ['localhost', '127.0.0.1', '::1'];

// RFC 5280 §4.2.1.12 extended key usage purposes.
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// ---------------------------------------------------------------------------------------------
// Keys

function newRsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return privateKey;
}

function newEcKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return privateKey;
}

function parsePrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${what}: not a readable private key (${(err as Error).message})`);
  }
}

function rsaKeyOrThrow(pem: string, what: string): KeyObject {
  const key = parsePrivateKey(pem, what);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${what}: an RSA key is required for X.509 here (node-forge signs only with RSA), got ${key.asymmetricKeyType}`);
  }
  return key;
}

function ecP256KeyOrThrow(pem: string, what: string): KeyObject {
  const key = parsePrivateKey(pem, what);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
    throw new Error(`${what}: an EC P-256 key is required for ES256, got ${key.asymmetricKeyType} ${curve ?? ''}`.trim());
  }
  return key;
}

/** Public JWKS for an EC P-256 private key; `kid` is the RFC 7638 JWK thumbprint (SHA-256). */
async function jwksFromPrivateKeyPem(privatePem: string): Promise<SigningKey> {
  const key = ecP256KeyOrThrow(privatePem, 'signing key');
  const pub = createPublicKey(key).export({ format: 'jwk' });
  if (typeof pub.x !== 'string' || typeof pub.y !== 'string') throw new Error('signing key: cannot export public JWK');
  // RFC 7638 §3.2: the thumbprint covers only the required members (crv, kty, x, y).
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y }, 'sha256');
  const jwk: JWK = { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y, kid, alg: 'ES256', use: 'sig' };
  return { privatePem, jwks: { keys: [jwk] }, kid };
}

/** A fresh EC P-256 signing key (PKCS#8 PEM) with its public JWKS. */
export async function createSigningKey(): Promise<SigningKey> {
  return jwksFromPrivateKeyPem(newEcKeyPem());
}

// ---------------------------------------------------------------------------------------------
// Certificates (node-forge)

export interface NameOptions {
  commonName: string;
  organization?: string;
}

// RFC 5280 §4.1.2.4: new certificates use UTF8String for DirectoryString attributes, which
// also carries the Chinese province names. Order is O then CN (most general first).
function nameAttributes(n: NameOptions): forge.pki.CertificateField[] {
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class; // @types mis-types valueTagClass
  const attrs: forge.pki.CertificateField[] = [];
  if (n.organization) attrs.push({ shortName: 'O', value: n.organization, valueTagClass: utf8 });
  attrs.push({ shortName: 'CN', value: n.commonName, valueTagClass: utf8 });
  return attrs;
}

// RFC 5280 §4.1.2.2: positive, at most 20 octets. 16 random bytes (≥ 64 bits of entropy as the
// CA/B Forum asks), first byte 0x01..0x7f so the DER INTEGER is positive and minimally encoded.
function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f || 0x01;
  return b.toString('hex');
}

interface RawNames {
  issuer: forge.asn1.Asn1;
  subject: forge.asn1.Asn1;
}

// The Name structures of a certificate exactly as encoded. Copying them byte for byte (instead of
// re-encoding parsed attributes) keeps RFC 5280 §7.1 name chaining exact, whatever string types the
// source used; node-forge would otherwise re-encode UTF8String values twice.
function rawNames(certPem: string): RawNames {
  const root = forge.asn1.fromDer(pemToDer(certPem).toString('binary'));
  const tbs = (root.value as forge.asn1.Asn1[])[0];
  const fields = tbs?.value as forge.asn1.Asn1[] | undefined;
  if (!fields) throw new Error('not an X.509 certificate');
  // TBSCertificate: [0] version (explicit, optional), serial, signature, issuer, validity, subject, …
  const off = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const issuer = fields[off + 2];
  const subject = fields[off + 4];
  if (!issuer || !subject) throw new Error('not an X.509 certificate');
  return { issuer, subject };
}

// RFC 5280 §4.2.1.1: the authority key identifier of a child is the issuer's subject key
// identifier; take it from the CA certificate itself rather than recomputing it.
function subjectKeyIdentifierBytes(certPem: string): string {
  const cert = forge.pki.certificateFromPem(certPem);
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (ext?.subjectKeyIdentifier) return forge.util.hexToBytes(ext.subjectKeyIdentifier);
  return cert.generateSubjectKeyIdentifier().getBytes();
}

interface BuildSpec {
  subjectKeyPem: string; // private key whose public half the certificate certifies
  signerKeyPem: string;
  subject: NameOptions;
  /** Exact DER Name nodes to use instead of `subject` / the subject (self-signed). */
  rawSubject?: forge.asn1.Asn1;
  rawIssuer?: forge.asn1.Asn1;
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
}

type ForgeWithTbs = typeof forge.pki & { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };

function buildCertificate(spec: BuildSpec): string {
  const subjectKey = rsaKeyOrThrow(spec.subjectKeyPem, 'certificate key');
  rsaKeyOrThrow(spec.signerKeyPem, 'issuer key');
  const cert = forge.pki.createCertificate();
  cert.version = 2; // v3, needed for extensions (RFC 5280 §4.1.2.1)
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.publicKey = forge.pki.publicKeyFromPem(createPublicKey(subjectKey).export({ type: 'spki', format: 'pem' }).toString());
  const attrs = nameAttributes(spec.subject);
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions(spec.extensions); // after publicKey: subjectKeyIdentifier is derived from it

  // Same steps as forge's cert.sign(), with the Name nodes swapped in before signing.
  const md = forge.md.sha256.create();
  cert.md = md;
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.siginfo.algorithmOid = cert.signatureOid;
  const tbs = (forge.pki as ForgeWithTbs).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  // getTBSCertificate always emits the explicit version: issuer at 3, subject at 5.
  if (spec.rawIssuer) fields[3] = spec.rawIssuer;
  if (spec.rawSubject) {
    fields[5] = spec.rawSubject;
    if (!spec.rawIssuer) fields[3] = spec.rawSubject;
  }
  md.update(forge.asn1.toDer(tbs).getBytes());
  const signer = forge.pki.privateKeyFromPem(spec.signerKeyPem);
  cert.signature = signer.sign(md);
  cert.tbsCertificate = tbs;
  return forge.pki.certificateToPem(cert);
}

function defaultValidity(days: number, notBefore?: Date, notAfter?: Date): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: notBefore ?? new Date(now - BACKDATE_MS),
    notAfter: notAfter ?? new Date(now + days * DAY_MS),
  };
}

function caExtensions(): object[] {
  return [
    // RFC 5280 §4.2.1.9: critical in CA certificates. pathLen 0: the dev roots issue leaves only.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    // RFC 5280 §4.2.1.3: keyCertSign (and cRLSign) for a CA key.
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    // Self-signed: the authority key is its own key (RFC 5280 §4.2.1.1).
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ];
}

export interface CreateCaOptions extends NameOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** Certify this existing RSA key instead of generating one. */
  keyPem?: string;
}

/** A self-signed root CA (basicConstraints CA:true, keyCertSign), valid 10 years by default. */
export function createCa(opts: CreateCaOptions): CertAndKey {
  const keyPem = opts.keyPem ?? newRsaKeyPem();
  const certPem = buildCertificate({
    subjectKeyPem: keyPem,
    signerKeyPem: keyPem,
    subject: opts,
    ...defaultValidity(CA_YEARS * 365, opts.notBefore, opts.notAfter),
    extensions: caExtensions(),
  });
  return { certPem, keyPem };
}

export interface IssueCertificateOptions extends NameOptions {
  ca: CertAndKey;
  kind: 'server' | 'client';
  /** DNS names and IP addresses (optionally prefixed DNS:/IP:). Server default: localhost, 127.0.0.1, ::1. */
  sans?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Certify this existing RSA key instead of generating one. */
  keyPem?: string;
}

function altNames(sans: string[]): object[] {
  return sans.map((raw) => {
    const s = raw.replace(/^(DNS|IP):/i, '');
    // RFC 5280 §4.2.1.6: iPAddress (7) as 4 or 16 octets, dNSName (2) otherwise.
    return isIP(s) ? { type: 7, ip: s } : { type: 2, value: s };
  });
}

/** A leaf certificate (serverAuth or clientAuth) issued by `ca`, valid 825 days by default. */
export function issueCertificate(opts: IssueCertificateOptions): CertAndKey {
  const keyPem = opts.keyPem ?? newRsaKeyPem();
  const sans = opts.sans ?? (opts.kind === 'server' ? LOCAL_SANS : []);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    // RFC 5280 §4.2.1.3 / RFC 5246: keyEncipherment for RSA key transport in TLS 1.2 servers.
    opts.kind === 'server'
      ? { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, critical: true },
    opts.kind === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdentifierBytes(opts.ca.certPem) },
  ];
  if (sans.length > 0) extensions.push({ name: 'subjectAltName', altNames: altNames(sans) });
  const certPem = buildCertificate({
    subjectKeyPem: keyPem,
    signerKeyPem: opts.ca.keyPem,
    subject: opts,
    rawIssuer: rawNames(opts.ca.certPem).subject,
    ...defaultValidity(LEAF_DAYS, opts.notBefore, opts.notAfter),
    extensions,
  });
  return { certPem, keyPem };
}

/**
 * An attacker's forgery for tests: a self-signed CA certificate whose subject and issuer Names are
 * byte-for-byte those of `subjectFromCertPem`, under a fresh key. Anything that trusts by name
 * accepts it; anything that checks signatures or pins fingerprints must not.
 */
export function selfSignedLike(subjectFromCertPem: string): CertAndKey {
  const names = rawNames(subjectFromCertPem);
  const keyPem = newRsaKeyPem();
  const certPem = buildCertificate({
    subjectKeyPem: keyPem,
    signerKeyPem: keyPem,
    subject: { commonName: 'placeholder' },
    rawSubject: names.subject,
    rawIssuer: names.issuer,
    ...defaultValidity(CA_YEARS * 365),
    extensions: caExtensions(),
  });
  return { certPem, keyPem };
}

// ---------------------------------------------------------------------------------------------
// Staleness checks (node:crypto X509Certificate, i.e. OpenSSL's view of the certificate)

function certProblem(certPem: string, key: KeyObject, expect: { issuer?: X509Certificate; ca: boolean; eku?: string }): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'unreadable certificate';
  }
  if (!cert.checkPrivateKey(key)) return 'does not match its key';
  if (Date.parse(cert.validTo) <= Date.now()) return `expired ${cert.validTo}`;
  if (cert.ca !== expect.ca) return expect.ca ? 'not a CA certificate' : 'unexpectedly a CA certificate';
  const issuer = expect.issuer ?? cert;
  if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
    return expect.issuer ? 'not issued by the current CA' : 'not validly self-signed';
  }
  if (expect.eku && !(cert.keyUsage ?? []).includes(expect.eku)) return 'missing extended key usage';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// File handling

interface Ctx {
  certsDir: string;
  force: boolean;
  log: (msg: string) => void;
  created: string[];
  kept: string[];
}

function rel(ctx: Ctx, file: string): string {
  return path.relative(ctx.certsDir, file) || file;
}

// Write to a temporary file and rename, so an interrupted run never leaves a half-written file
// that a later run would mistake for a good one.
function writeAtomic(file: string, data: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data, { mode });
    chmodSync(tmp, mode); // the umask may have narrowed or (for 0644) kept it; make it exact
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function readIfPresent(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function wrote(ctx: Ctx, file: string, reason: string): void {
  ctx.created.push(file);
  ctx.log(`created ${rel(ctx, file)}${reason ? ` (${reason})` : ''}`);
}

function keepKey(ctx: Ctx, file: string): void {
  // Private keys must stay owner-only even if something loosened the mode.
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, KEY_MODE);
    ctx.log(`tightened ${rel(ctx, file)} to mode 0600`);
  }
  ctx.kept.push(file);
}

/** Existing key (kept) or a new one; `fresh` says whether anything derived from it must be redone. */
function ensureKey(ctx: Ctx, file: string, make: () => string, check: (pem: string, what: string) => void): { pem: string; fresh: boolean } {
  const existing = ctx.force ? undefined : readIfPresent(file);
  if (existing !== undefined) {
    try {
      check(existing, file);
    } catch (err) {
      throw new Error(`${(err as Error).message}; delete it or run \`npm run pki -- --force\``);
    }
    keepKey(ctx, file);
    return { pem: existing, fresh: false };
  }
  const replaced = existsSync(file);
  const pem = make();
  writeAtomic(file, pem, KEY_MODE);
  wrote(ctx, file, replaced ? 'forced' : '');
  return { pem, fresh: true };
}

function ensureCertificate(
  ctx: Ctx,
  certFile: string,
  keyFile: string,
  issue: (keyPem: string) => string,
  expect: (issuerCert?: X509Certificate) => { issuer?: X509Certificate; ca: boolean; eku?: string },
  issuerCertPem?: string,
): CertAndKey {
  const key = ensureKey(ctx, keyFile, newRsaKeyPem, (pem, what) => void rsaKeyOrThrow(pem, what));
  const existing = key.fresh ? undefined : readIfPresent(certFile);
  let reason = key.fresh && existsSync(certFile) ? (ctx.force ? 'forced' : 'new key') : '';
  if (existing !== undefined) {
    const issuer = issuerCertPem ? new X509Certificate(issuerCertPem) : undefined;
    const problem = certProblem(existing, createPrivateKey(key.pem), expect(issuer));
    if (!problem) {
      ctx.kept.push(certFile);
      return { certPem: existing, keyPem: key.pem };
    }
    reason = `reissued: ${problem}`;
  }
  const certPem = issue(key.pem);
  writeAtomic(certFile, certPem, PUBLIC_MODE);
  wrote(ctx, certFile, reason);
  return { certPem, keyPem: key.pem };
}

function ensureCaFiles(ctx: Ctx, certFile: string, keyFile: string, name: NameOptions): CertAndKey {
  return ensureCertificate(
    ctx,
    certFile,
    keyFile,
    (keyPem) => createCa({ ...name, keyPem }).certPem,
    () => ({ ca: true }),
  );
}

function ensureLeafFiles(
  ctx: Ctx,
  certFile: string,
  keyFile: string,
  ca: CertAndKey,
  spec: NameOptions & { kind: 'server' | 'client'; sans?: string[] },
): void {
  ensureCertificate(
    ctx,
    certFile,
    keyFile,
    (keyPem) => issueCertificate({ ...spec, ca, keyPem }).certPem,
    (issuer) => ({ issuer, ca: false, eku: spec.kind === 'server' ? OID_SERVER_AUTH : OID_CLIENT_AUTH }),
    ca.certPem,
  );
}

function jwksHasKey(text: string, jwk: JWK): boolean {
  try {
    const parsed = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) return false;
    return parsed.keys.some((k: Record<string, unknown>) => k.kid === jwk.kid && k.x === jwk.x && k.y === jwk.y && k.crv === jwk.crv && !('d' in k));
  } catch {
    return false;
  }
}

async function ensureSigningKeyFiles(ctx: Ctx, keyFile: string, jwksFile: string): Promise<void> {
  const key = ensureKey(ctx, keyFile, newEcKeyPem, (pem, what) => void ecP256KeyOrThrow(pem, what));
  // A JWKS is always derived from the key on disk, never a key of its own.
  const { jwks } = await jwksFromPrivateKeyPem(key.pem);
  const existing = key.fresh ? undefined : readIfPresent(jwksFile);
  if (existing !== undefined && jwksHasKey(existing, jwks.keys[0]!)) {
    ctx.kept.push(jwksFile);
    return;
  }
  writeAtomic(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, PUBLIC_MODE);
  const reason = existing !== undefined ? 'rewritten: did not publish the signing key' : key.fresh ? '' : 'derived from existing key';
  wrote(ctx, jwksFile, reason);
}

// ---------------------------------------------------------------------------------------------
// CRLs (RFC 5280 §5; common/pki/crl.ts)

/** The CRL on disk if it verifies against `ca` (what a re-issue keeps), else why not. */
async function currentCrl(file: string, caCertPem: string): Promise<{ crl?: Awaited<ReturnType<typeof verifyCrl>>; problem?: string }> {
  const text = readIfPresent(file);
  if (text === undefined) return { problem: 'missing' };
  try {
    return { crl: await verifyCrl(text, caCertPem) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

async function writeCrl(file: string, ca: CertAndKey, crlNumber: bigint, entries: readonly CrlEntry[], now = Date.now()): Promise<void> {
  const pem = await issueCrl({
    ca,
    crlNumber,
    entries,
    thisUpdate: new Date(now - BACKDATE_MS),
    nextUpdate: new Date(now + CRL_DAYS * DAY_MS),
  });
  writeAtomic(file, pem, PUBLIC_MODE);
}

// Kept while it verifies against the current CA and less than half its validity has passed;
// otherwise re-issued with the same entries and the next CRL number (a CRL of a regenerated CA
// starts afresh: the old CA's certificates are re-issued anyway).
async function ensureCrlFile(ctx: Ctx, file: string, ca: CertAndKey): Promise<void> {
  const { crl, problem } = ctx.force ? { crl: undefined, problem: 'forced' } : await currentCrl(file, ca.certPem);
  const now = Date.now();
  if (crl && now < crl.thisUpdate + (crl.nextUpdate - crl.thisUpdate) / 2) {
    ctx.kept.push(file);
    return;
  }
  await writeCrl(file, ca, crl ? crl.crlNumber + 1n : 1n, crl?.entries ?? [], now);
  wrote(ctx, file, crl ? `renewed: past half its validity, CRL number ${crl.crlNumber + 1n}` : problem === 'missing' ? '' : `reissued: ${problem}`);
}

export interface RevokeDevClientOptions {
  certsDir: string;
  province: string;
  client: string;
}

export interface RevokeDevClientResult {
  serial: string;
  crlFile: string;
  crlNumber: bigint;
  revokedCount: number;
  /** The serial was already listed: nothing was re-issued. */
  already: boolean;
}

/** A dev client that has no certificate in the PKI (`npm run pki -- --revoke` answers exit code 2). */
export class UnknownDevClient extends Error {}

/**
 * Revoke a dev client certificate: add its serial to the province CA's CRL and re-issue the CRL
 * with the next CRL number (RFC 5280 §5.2.3). The certificate and its key are left as they are.
 */
export async function revokeDevClient(opts: RevokeDevClientOptions): Promise<RevokeDevClientResult> {
  const certsDir = path.resolve(opts.certsDir);
  const pp = provincePaths(certsDir, opts.province);
  let certFile: string;
  try {
    certFile = pp.client(opts.client).cert;
  } catch {
    throw new UnknownDevClient(`unknown client ${JSON.stringify(opts.client)}`);
  }
  const release = await acquireLock(certsDir);
  try {
    const certPem = readIfPresent(certFile);
    if (certPem === undefined) throw new UnknownDevClient(`no certificate for ${opts.province}/${opts.client} at ${certFile}`);
    const caCertPem = readIfPresent(pp.ca);
    const caKeyPem = readIfPresent(pp.caKey);
    if (caCertPem === undefined || caKeyPem === undefined) throw new Error(`no CA for ${opts.province} in ${certsDir}; run \`npm run pki\` first`);
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(caCertPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) throw new Error(`${certFile} is not issued by the current ${opts.province} CA`);
    const serial = normalizeSerial(cert.serialNumber);
    const { crl } = await currentCrl(pp.crl, caCertPem);
    const entries = [...(crl?.entries ?? [])];
    if (crl?.revoked.has(serial)) {
      return { serial, crlFile: pp.crl, crlNumber: crl.crlNumber, revokedCount: entries.length, already: true };
    }
    entries.push({ serial, revokedAt: new Date() });
    const crlNumber = (crl?.crlNumber ?? 0n) + 1n;
    await writeCrl(pp.crl, { certPem: caCertPem, keyPem: caKeyPem }, crlNumber, entries);
    return { serial, crlFile: pp.crl, crlNumber, revokedCount: entries.length, already: false };
  } finally {
    release();
  }
}

const README = `DEVELOPMENT-ONLY CREDENTIALS — DO NOT USE IN PRODUCTION

Everything in this folder was generated by \`npm run pki\` (common/pki/dev-pki.ts): self-signed
root CAs, server and client certificates, and JWT / seal signing keys for a local Chuan–Yu
catalogue federation stack. The private keys are unprotected files on a developer machine; anyone
who has them can impersonate any province, caller or the gateway. Never deploy them, never trust
these CAs outside a dev machine, and point production configuration at real keys instead.

Re-running \`npm run pki\` only creates what is missing; \`npm run pki -- --force\` regenerates all.
\`npm run pki -- --revoke <province>/<client>\` adds a client certificate to its province's CRL.
`;

function ensureReadme(ctx: Ctx): void {
  const file = path.join(ctx.certsDir, 'README.txt');
  if (!ctx.force && existsSync(file)) {
    ctx.kept.push(file);
    return;
  }
  writeAtomic(file, README, PUBLIC_MODE);
  wrote(ctx, file, '');
}

// Two processes (e.g. a test runner and `npm start`) may bootstrap the same folder at once; without
// a lock one could write a CA key while the other writes the matching certificate for another key.
async function acquireLock(dir: string): Promise<() => void> {
  const lock = path.join(dir, '.dev-pki.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${lock}; delete it if no other "npm run pki" is running`);
    }
    await sleep(100);
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) return true;
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH'; // holder died; ENOENT: released meanwhile, just retry
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Creates the dev PKI under `certsDir` (layout: common/pki/paths.ts). Only missing files are
 * created; `force` regenerates everything. Returns absolute paths of created and kept files.
 */
export async function ensureDevPki(opts: EnsureDevPkiOptions): Promise<{ created: string[]; kept: string[] }> {
  const certsDir = path.resolve(opts.certsDir);
  const ids = new Set<string>();
  for (const p of opts.provinces) {
    if (ids.has(p.id)) throw new Error(`dev PKI: province id "${p.id}" listed twice`);
    if (p.id === 'gateway') throw new Error('dev PKI: "gateway" is reserved and cannot be a province id');
    provincePaths(certsDir, p.id); // validates the id before anything is written
    ids.add(p.id);
  }
  mkdirSync(certsDir, { recursive: true });
  const ctx: Ctx = { certsDir, force: opts.force ?? false, log: opts.log ?? (() => {}), created: [], kept: [] };
  const release = await acquireLock(certsDir);
  try {
    ensureReadme(ctx);

    const gw = gatewayPaths(certsDir);
    const gwCa = ensureCaFiles(ctx, gw.ca, gw.caKey, { commonName: GATEWAY_CA_CN, organization: GATEWAY_NAME });
    // TLS clients check the SAN, not the CN (RFC 6125 §6.4.4); the CN only names it in logs.
    ensureLeafFiles(ctx, gw.serverCert, gw.serverKey, gwCa, {
      commonName: 'chuanyu-gateway-server',
      organization: GATEWAY_NAME,
      kind: 'server',
      sans: LOCAL_SANS,
    });
    ensureLeafFiles(ctx, gw.clientCert, gw.clientKey, gwCa, {
      commonName: GATEWAY_CLIENT_CN,
      organization: GATEWAY_NAME,
      kind: 'client',
    });
    await ensureSigningKeyFiles(ctx, gw.assertionKey, gw.assertionJwks);

    for (const p of opts.provinces) {
      const pp = provincePaths(certsDir, p.id);
      const ca = ensureCaFiles(ctx, pp.ca, pp.caKey, {
        commonName: `${p.name} 政务服务根CA (dev)`,
        organization: p.name,
      });
      ensureLeafFiles(ctx, pp.serverCert, pp.serverKey, ca, {
        commonName: `${p.id}-subgraph`,
        organization: p.name,
        kind: 'server',
        sans: LOCAL_SANS,
      });
      for (const client of DEV_CLIENTS) {
        const c = pp.client(client);
        ensureLeafFiles(ctx, c.cert, c.key, ca, { commonName: `${p.id}-${client}`, organization: p.name, kind: 'client' });
      }
      await ensureSigningKeyFiles(ctx, pp.idpKey, pp.idpJwks);
      await ensureSigningKeyFiles(ctx, pp.sealKey, pp.sealJwks);
      await ensureCrlFile(ctx, pp.crl, ca);
    }
  } finally {
    release();
  }
  return { created: ctx.created, kept: ctx.kept };
}
