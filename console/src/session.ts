// What the gateway's TLS layer saw of this browser's client certificate, and where each province's
// IdP is: GET /console/session.json (gateway/ingress/console.ts). Read once when the page starts.

export interface ProvinceEndpoints {
  id: string;
  enumValue: string;
  name: string;
  platform: string;
  platformRomanized: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

export type CertificateSeen = { status: 'ok'; province: string; provinceId: string; subject: string } | { status: string; provinceId?: string };

export interface Session {
  certificate: CertificateSeen;
  audience: string;
  provinces: ProvinceEndpoints[];
}

export type ClientRole = 'app' | 'counter' | 'admin';
const ROLES: readonly ClientRole[] = ['app', 'counter', 'admin'];

/** The OAuth scopes each client asks for (the IdP registers the same per client). */
export const CLIENT_SCOPES: Record<ClientRole, string> = {
  app: 'catalogue:read',
  counter: 'certificate:verify catalogue:read',
  admin: 'catalogue:read catalogue:admin',
};

export async function loadSession(): Promise<Session> {
  const res = await fetch(`${import.meta.env.BASE_URL}session.json`, { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`session.json: HTTP ${res.status}`);
  const body = (await res.json()) as Session;
  if (!body?.certificate || !Array.isArray(body.provinces)) throw new Error('session.json: unexpected answer');
  return body;
}

/**
 * The client this certificate belongs to: its CN is `<province id>-<client>` (the dev PKI's client
 * certificates; the IdP registers each client with its certificate). Null for any other certificate
 * (a service's, such as sync).
 */
export function roleOf(cert: CertificateSeen): ClientRole | null {
  if (cert.status !== 'ok' || !('subject' in cert)) return null;
  const prefix = `${cert.provinceId}-`;
  if (!cert.subject.startsWith(prefix)) return null;
  const role = cert.subject.slice(prefix.length);
  return (ROLES as readonly string[]).includes(role) ? (role as ClientRole) : null;
}
