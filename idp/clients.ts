// The dev IdP's registered clients (RFC 6749 §2), from the province config's `idp.dev.clients`:
// for each, the certificate it must present (RFC 8705 §2.1, tls_client_auth: the dev PKI's
// clients/<id>.crt, matched by its SHA-256 thumbprint, so another certificate of the same CA is
// not enough), the scopes it may be given and the redirect URIs it may use (RFC 6749 §3.1.2.2).
// Read from the in-memory config at each request, so a test can register the redirect URI of a
// gateway started on a random port; certificate files are re-read when they change.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProvinceConfig } from '../common/config.js';
import { certThumbprintS256 } from '../common/pki/thumbprint.js';

export interface RegisteredClient {
  id: string;
  scopes: readonly string[];
  redirectUris: readonly string[];
  /** The certificate file the client authenticates with. */
  certificateFile: string;
}

type DevIdpConfig = NonNullable<ProvinceConfig['idp']['dev']>;

export class ClientRegistry {
  private readonly thumbprints = new Map<string, { mtimeMs: number; size: number; thumbprint: string }>();

  constructor(
    private readonly province: ProvinceConfig,
    /** The province's folder of the dev PKI: certificate paths in the config are relative to it. */
    private readonly provinceCertsDir: string,
  ) {}

  private get dev(): DevIdpConfig {
    const dev = this.province.idp.dev;
    if (!dev) throw new Error(`${this.province.file}: no idp.dev section (the dev IdP's clients)`);
    return dev;
  }

  /** A registered client by its id; an own property only (no `constructor`, `__proto__`, …). */
  get(id: string): RegisteredClient | undefined {
    const clients = this.dev.clients;
    if (!Object.hasOwn(clients, id)) return undefined;
    const c = clients[id]!;
    return { id, scopes: c.scopes, redirectUris: c.redirectUris, certificateFile: path.resolve(this.provinceCertsDir, c.certificate) };
  }

  /** RFC 8705 x5t#S256 of the client's registered certificate (re-read when the file changes). */
  thumbprint(client: RegisteredClient): string {
    const st = statSync(client.certificateFile);
    const hit = this.thumbprints.get(client.certificateFile);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.thumbprint;
    const thumbprint = certThumbprintS256(readFileSync(client.certificateFile, 'utf8'));
    this.thumbprints.set(client.certificateFile, { mtimeMs: st.mtimeMs, size: st.size, thumbprint });
    return thumbprint;
  }

  /** Every scope some client may be given (RFC 8414 `scopes_supported`). */
  scopes(): string[] {
    return [...new Set(Object.values(this.dev.clients).flatMap((c) => c.scopes))].sort();
  }

  /**
   * The origins of the registered redirect URIs: the pages (the console) that may call the token
   * endpoint from a browser and read its answer (CORS).
   */
  origins(): Set<string> {
    return new Set(Object.values(this.dev.clients).flatMap((c) => c.redirectUris.map((u) => new URL(u).origin)));
  }
}

/**
 * RFC 6749 §3.3: the scope to grant. The requested scopes when the client may have every one of them;
 * all of its registered scopes when none is asked for (the documented default); null when any is not
 * the client's.
 */
export function grantableScope(client: RegisteredClient, requested: string | undefined): string | null {
  const asked = [...new Set((requested ?? '').split(' ').filter(Boolean))];
  if (asked.length === 0) return client.scopes.join(' ');
  return asked.every((s) => client.scopes.includes(s)) ? asked.join(' ') : null;
}
