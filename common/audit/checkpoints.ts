// Signed checkpoints of a chain's head, like X-Road's signed message-log digests: every so often
// (and at a clean shutdown) an instance signs `{ chain, seq, hash, at }` with its own key and
// stores the JWS next to its chain. A hash chain alone shows an edited record but not a cut-off
// tail; a checkpoint does: the checkpointed record must still be there with that hash, and only
// the instance's key can make a new one (docs/ARCHITECTURE.md "Audit").
//
// The JWS (RFC 7515, compact) has an explicit `typ`, so the key it shares with another purpose
// (the gateway's caller assertions, a province's seals and receipts) cannot have one token taken
// for the other (RFC 8725 §3.11); `alg` is fixed by the key type and never read from the token
// (ES256 for EC P-256, PS256 for RSA; RFC 8725 §3.1).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactSign, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { canonicalJson } from './chain.js';

export const CHECKPOINT_TYP = 'chuanyu-audit-checkpoint+jws';

export interface CheckpointPayload {
  chain: string;
  seq: number;
  hash: string;
  /** When the checkpoint was signed (ISO 8601, UTC). */
  at: string;
}

export interface SignedCheckpoint extends CheckpointPayload {
  jws: string;
}

type Alg = 'ES256' | 'PS256';

function algFor(key: KeyObject | JWK): Alg {
  const type = 'kty' in key ? key.kty : (key as KeyObject).asymmetricKeyType;
  const curve = 'kty' in key ? key.crv : (key as KeyObject).asymmetricKeyDetails?.namedCurve;
  if ((type === 'ec' || type === 'EC') && (curve === 'prime256v1' || curve === 'P-256')) return 'ES256';
  if (type === 'rsa' || type === 'RSA') return 'PS256';
  throw new Error(`audit checkpoints: an EC P-256 or RSA key is required, got ${String(type)} ${String(curve ?? '')}`.trim());
}

/** The public JWK of a key, with `kid` = its RFC 7638 thumbprint unless the key's JWKS names it. */
export async function publicJwk(key: KeyObject, kid?: string): Promise<JWK> {
  const pub = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }) as JWK;
  return { ...pub, kid: kid ?? (await calculateJwkThumbprint(pub, 'sha256')), alg: algFor(key), use: 'sig' };
}

export class CheckpointSigner {
  readonly alg: Alg;
  private kid: Promise<string>;

  /** `kid`: as the key's published JWKS names it; default its RFC 7638 thumbprint (what the verifier derives from a certificate). */
  constructor(
    private readonly key: KeyObject,
    kid?: string,
  ) {
    this.alg = algFor(key);
    this.kid = kid ? Promise.resolve(kid) : publicJwk(key).then((j) => j.kid!);
  }

  async sign(payload: CheckpointPayload): Promise<string> {
    const bytes = new TextEncoder().encode(canonicalJson(payload));
    return new CompactSign(bytes).setProtectedHeader({ alg: this.alg, kid: await this.kid, typ: CHECKPOINT_TYP }).sign(this.key);
  }
}

/** The public keys one chain's checkpoints must verify with, and whose they are (for messages). */
export interface ChainKeys {
  owner: string;
  keys: JWK[];
}

export type CheckpointCheck = { ok: true; payload: CheckpointPayload } | { ok: false; reason: string };

function payloadOf(bytes: Uint8Array): CheckpointPayload | null {
  let p: unknown;
  try {
    p = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof p !== 'object' || p === null) return null;
  const { chain, seq, hash, at } = p as Record<string, unknown>;
  if (typeof chain !== 'string' || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null;
  return { chain, seq, hash, at };
}

/** Verifies one stored checkpoint of `chain`: signature by one of `trust.keys`, typ, and a payload naming this chain. */
export async function verifyCheckpoint(jws: string, chain: string, trust: ChainKeys): Promise<CheckpointCheck> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(jws).kid;
  } catch {
    return { ok: false, reason: 'not a compact JWS' };
  }
  const jwk = trust.keys.find((k) => k.kid === kid);
  if (!jwk) return { ok: false, reason: `signed with a key (kid ${JSON.stringify(kid)}) that is not ${trust.owner}` };
  try {
    const alg = algFor(jwk);
    const { payload, protectedHeader } = await compactVerify(jws, await importJWK(jwk, alg), { algorithms: [alg] });
    if (protectedHeader.typ !== CHECKPOINT_TYP) return { ok: false, reason: `typ is not ${CHECKPOINT_TYP}` };
    const p = payloadOf(payload);
    if (!p) return { ok: false, reason: 'payload is not a checkpoint' };
    if (p.chain !== chain) return { ok: false, reason: `it is a checkpoint of chain ${JSON.stringify(p.chain)}` };
    return { ok: true, payload: p };
  } catch (err) {
    return { ok: false, reason: `signature does not verify with ${trust.owner} (${(err as Error).message})` };
  }
}
