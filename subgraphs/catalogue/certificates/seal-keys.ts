// The province's seal key: signs certificate seals and verification receipts (its public
// JWKS is what a counter uses offline). The holder-ID salt is derived from it (HKDF), so it
// is as secret as the key and needs no separate secret in development; production may mount
// a dedicated salt file (CHUANYU_HOLDER_SALT_FILE) instead.
import { hkdfSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import type { StackConfig, ProvinceConfig } from '../../../common/config.js';
import { provincePaths } from '../../../common/pki/paths.js';

export interface SealKeys {
  key: KeyObject;
  kid: string;
  jwks: JSONWebKeySet;
  holderSalt: Buffer;
}

export function loadSealKeys(cfg: StackConfig, province: ProvinceConfig): SealKeys {
  const pp = provincePaths(cfg.certsDir, province.id);
  const pem = readFileSync(pp.sealKey, 'utf8');
  const jwks = JSON.parse(readFileSync(pp.sealJwks, 'utf8')) as JSONWebKeySet;
  const kid = jwks.keys[0]?.kid;
  if (!kid) throw new Error(`${pp.sealJwks}: no kid`);
  const saltFile = process.env.CHUANYU_HOLDER_SALT_FILE;
  const holderSalt = saltFile ? readFileSync(saltFile) : Buffer.from(hkdfSync('sha256', pem, `chuanyu:${province.id}`, 'holder-id-salt-v1', 32));
  return { key: createPrivateKey(pem), kid, jwks, holderSalt };
}
