// The authenticated caller, as established at the gateway's ingress (mTLS + bound JWT)
// and carried to the subgraphs only inside a gateway-signed assertion.
export const SCOPES = ['catalogue:read', 'catalogue:admin', 'certificate:verify'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Caller {
  /** Province id from config (e.g. "chongqing"): the CA the client certificate chains to. */
  province: string;
  divisionCode: string;
  subject: string;
  clientId: string | null;
  scopes: Scope[];
  /** RFC 8705 x5t#S256 of the client certificate on the connection. */
  certThumbprint: string;
  requestId: string;
}

export function hasScope(caller: Caller | null | undefined, scope: Scope): boolean {
  return !!caller && caller.scopes.includes(scope);
}
