// A province IdP's public keys. Read from a local JWKS file and re-read when the file
// changes (checked at most once a second), so a new IdP key (new kid) is accepted
// without a restart; a JWKS that fails to parse keeps the last good keys.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { readFileSync, statSync } from 'node:fs';

export interface JwksSource {
  keys(): JWTVerifyGetKey;
}

export class FileJwksSource implements JwksSource {
  private current: JWTVerifyGetKey;
  private mtimeMs = 0;
  private checkedAt = 0;

  constructor(
    readonly file: string,
    private readonly recheckMs = 1000,
  ) {
    this.current = this.load();
  }

  private load(): JWTVerifyGetKey {
    const st = statSync(this.file);
    const jwks = JSON.parse(readFileSync(this.file, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${this.file}: JWKS has no keys`);
    // Only public EC P-256 signing keys: a private member or another key type is a config error.
    for (const k of jwks.keys) {
      if ('d' in k) throw new Error(`${this.file}: JWKS must hold public keys only`);
    }
    this.mtimeMs = st.mtimeMs;
    return createLocalJWKSet(jwks);
  }

  keys(): JWTVerifyGetKey {
    const now = Date.now();
    if (now - this.checkedAt >= this.recheckMs) {
      this.checkedAt = now;
      try {
        if (statSync(this.file).mtimeMs !== this.mtimeMs) this.current = this.load();
      } catch {
        // Keep the last good key set; the IdP file being replaced is a transient state.
      }
    }
    return this.current;
  }
}
