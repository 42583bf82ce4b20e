// The one place that decides where an instance's audit chain lives and what signs its checkpoints.
//
// - Backend: PostgreSQL when the config names a database (`StackConfig.databaseUrl`, which
//   common/config.ts reads from DATABASE_URL), else a SQLite file in the data directory.
// - Chain name, the same on both backends (and the SQLite file names the instances always had):
//   the gateway replica's instance id (GATEWAY_INSTANCE_ID, the pod name in Kubernetes), `<province>`
//   for a province subgraph, `<province>-sync` for its sync worker.
// - PostgreSQL schema: one per owner, as the catalogue stores have (`audit_gateway`,
//   `audit_<province>` for the province's subgraph and sync worker), so each owner's database role
//   creates and owns its own tables and provinces never share a schema.
// - Checkpoint key: one the instance already holds (docs/SECURITY.md "Audit"): the gateway's caller
//   assertion key, the province's seal key for its subgraph, the sync worker's service-certificate
//   key (RSA, so PS256) for the worker. `auditTrust` gives audit:verify the public halves.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import type { StackConfig } from '../config.js';
import { createLogger } from '../log.js';
import { gatewayPaths, provincePaths } from '../pki/paths.js';
import { AuditLog } from './audit-log.js';
import { CheckpointSigner, publicJwk, type ChainKeys } from './checkpoints.js';
import { PostgresChainBackend } from './postgres-chain.js';
import { SqliteChainBackend } from './sqlite-chain.js';

export type AuditInstance = { kind: 'gateway'; id: string } | { kind: 'subgraph'; province: string } | { kind: 'sync'; province: string };

// A chain name is also a file name: nothing that could leave the audit folder.
const CHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function auditChainName(instance: AuditInstance): string {
  const name = instance.kind === 'gateway' ? instance.id : instance.kind === 'subgraph' ? instance.province : `${instance.province}-sync`;
  if (!CHAIN_NAME.test(name) || name.endsWith('.sqlite')) throw new Error(`audit: invalid chain name ${JSON.stringify(name)} (instance id)`);
  return name;
}

/** The PostgreSQL schema of an owner's chains (province ids may contain '-'). */
export function auditPgSchema(instance: AuditInstance): string {
  return instance.kind === 'gateway' ? 'audit_gateway' : `audit_${instance.province.replace(/-/g, '_')}`;
}

/** Every audit schema of a config: where audit:verify looks by default. */
export function auditPgSchemas(cfg: StackConfig): string[] {
  return [auditPgSchema({ kind: 'gateway', id: 'gateway' }), ...cfg.provinces.map((p) => auditPgSchema({ kind: 'subgraph', province: p.id }))];
}

export function auditSqliteFile(cfg: StackConfig, instance: AuditInstance): string {
  return path.join(cfg.dataDir, 'audit', `${auditChainName(instance)}.sqlite`);
}

/** Whose chain this is, from its name (what audit:verify checks its checkpoints against). */
export function auditInstanceOf(cfg: StackConfig, chain: string): AuditInstance {
  for (const p of cfg.provinces) {
    if (chain === p.id) return { kind: 'subgraph', province: p.id };
    if (chain === `${p.id}-sync`) return { kind: 'sync', province: p.id };
  }
  return { kind: 'gateway', id: chain };
}

function readJwks(file: string): JWK[] {
  const keys = (JSON.parse(readFileSync(file, 'utf8')) as { keys?: JWK[] }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${file}: no keys`);
  return keys;
}

interface KeyFiles {
  key: string;
  /** The public half: a JWKS, or a certificate that the province CA issued. */
  jwks?: string;
  cert?: { file: string; ca: string };
  /**
   * Optional, read by audit:verify only: public keys the instance signed with before a rotation
   * (a JWKS, or a PEM bundle of its earlier certificates), so its older checkpoints still verify
   * without the retired key staying where the live services would accept it.
   */
  retired: string;
  owner: string;
}

/** Where an instance's checkpoint key is, and where its public half is published. */
function keyFiles(cfg: StackConfig, instance: AuditInstance): KeyFiles {
  if (instance.kind === 'gateway') {
    const gp = gatewayPaths(cfg.certsDir);
    const retired = path.join(path.dirname(gp.assertionJwks), 'retired-jwks.json');
    return { key: gp.assertionKey, jwks: gp.assertionJwks, retired, owner: `the gateway's assertion key (${gp.assertionJwks})` };
  }
  const pp = provincePaths(cfg.certsDir, instance.province);
  if (instance.kind === 'subgraph') {
    const retired = path.join(path.dirname(pp.sealJwks), 'retired-jwks.json');
    return { key: pp.sealKey, jwks: pp.sealJwks, retired, owner: `${instance.province}'s seal key (${pp.sealJwks})` };
  }
  const c = pp.client('sync');
  const retired = path.join(path.dirname(c.cert), 'sync-retired.crt');
  return { key: c.key, cert: { file: c.cert, ca: pp.ca }, retired, owner: `${instance.province}'s sync worker certificate (${c.cert})` };
}

/** The signer of an instance's checkpoints; `kid` as its JWKS names the key (the thumbprint for a certificate's key). */
function checkpointSigner(cfg: StackConfig, instance: AuditInstance): CheckpointSigner {
  const files = keyFiles(cfg, instance);
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(files.key));
  } catch (err) {
    throw new Error(`audit: cannot read the checkpoint signing key ${files.key}: ${(err as Error).message}`);
  }
  if (!files.jwks) return new CheckpointSigner(key);
  const pub = key.export({ format: 'jwk' });
  const jwk = readJwks(files.jwks).find((k) => k.x === pub.x && k.y === pub.y);
  if (!jwk?.kid) throw new Error(`audit: ${files.jwks} does not publish the key in ${files.key} with a kid`);
  return new CheckpointSigner(key, jwk.kid);
}

export interface OpenAuditOptions {
  /** Another PostgreSQL schema than the owner's (tests: a fresh one per run). */
  pgSchema?: string;
  commitWindowMs?: number;
  /** Sign a checkpoint every this many records (default 1000) or this often (default 60 s), and at close. */
  checkpointEveryRecords?: number;
  checkpointEveryMs?: number;
}

/** The audit log of one instance, on the backend the config chooses, signing checkpoints with the instance's key. */
export function openAuditLog(cfg: StackConfig, instance: AuditInstance, opts: OpenAuditOptions = {}): AuditLog {
  const chain = auditChainName(instance);
  const signer = checkpointSigner(cfg, instance);
  const backend = cfg.databaseUrl
    ? new PostgresChainBackend(cfg.databaseUrl, opts.pgSchema ?? auditPgSchema(instance), chain)
    : new SqliteChainBackend(auditSqliteFile(cfg, instance));
  const log = createLogger('audit');
  return new AuditLog(backend, {
    commitWindowMs: opts.commitWindowMs,
    checkpoints: {
      signer,
      everyRecords: opts.checkpointEveryRecords,
      everyMs: opts.checkpointEveryMs,
      onError: (err) => log.error({ chain, location: backend.location, err: err.message }, 'audit checkpoint failed; the next one is tried as usual'),
    },
  });
}

/** The certificates of a PEM file (one, or a bundle), each checked to be issued by `caFile`. */
function issuedCertificates(file: string, caFile: string): X509Certificate[] {
  const ca = new X509Certificate(readFileSync(caFile));
  const pems = readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new Error(`${file}: no certificate`);
  return pems.map((pem) => {
    const cert = new X509Certificate(pem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new Error(`${file}: a certificate not issued by ${caFile}`);
    return cert;
  });
}

/**
 * The public keys a chain's checkpoints must verify with: those of the instance the chain's name
 * belongs to (and its retired ones, if published), never another instance's. A sync worker's
 * certificate counts only if its province's CA issued it.
 */
export async function auditTrust(cfg: StackConfig, chain: string): Promise<ChainKeys> {
  const files = keyFiles(cfg, auditInstanceOf(cfg, chain));
  const retired = existsSync(files.retired);
  if (files.jwks) return { owner: files.owner, keys: [...readJwks(files.jwks), ...(retired ? readJwks(files.retired) : [])] };
  const certs = [...issuedCertificates(files.cert!.file, files.cert!.ca), ...(retired ? issuedCertificates(files.retired, files.cert!.ca) : [])];
  return { owner: files.owner, keys: await Promise.all(certs.map((c) => publicJwk(c.publicKey))) };
}
