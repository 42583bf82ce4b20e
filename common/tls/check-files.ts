// Start-up check of every certificate and key a process will use, so a wrong path or a bad
// PEM is reported by name ("gateway: /etc/…/server.key: not a PEM private key") instead of as
// an OpenSSL error from deep inside the TLS stack.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type PemKind = 'certificate' | 'private key' | 'jwks';

/** The files a process needs, by kind. */
export type PemFiles = Partial<Record<PemKind, string[]>>;

export function checkPemFiles(files: PemFiles): void {
  const problems: string[] = [];
  const all = (Object.entries(files) as [PemKind, string[]][]).flatMap(([kind, paths]) => paths.map((path) => ({ path, kind })));
  for (const { path, kind } of all) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    try {
      if (kind === 'certificate') {
        const cert = new X509Certificate(text);
        if (new Date(cert.validTo) < new Date()) problems.push(`${path}: certificate expired on ${cert.validTo}`);
      } else if (kind === 'private key') {
        createPrivateKey(text);
      } else {
        const jwks = JSON.parse(text) as { keys?: unknown[] };
        if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('no keys');
      }
    } catch {
      problems.push(`${path}: not a valid ${kind === 'jwks' ? 'JWKS' : `PEM ${kind}`}`);
    }
  }
  if (problems.length) throw new Error(`TLS/key material:\n  ${problems.join('\n  ')}`);
}
