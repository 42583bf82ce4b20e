// The dev IdP's authorization server metadata (RFC 8414), served at
// /.well-known/oauth-authorization-server: what a client needs to find the endpoints and keys and
// to know how it must authenticate (RFC 8705 §2.1, tls_client_auth) and that the tokens are bound
// to its certificate (RFC 8705 §3.3).
export interface IdpMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  tls_client_certificate_bound_access_tokens: boolean;
  authorization_response_iss_parameter_supported: boolean;
  scopes_supported: string[];
}

/** RFC 8414 §3: the metadata document's path for an issuer without a path component (the dev IdP's origin). */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

export function idpMetadata(issuer: string, scopes: string[]): IdpMetadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks.json`,
    // Authorization code only (no implicit grant: RFC 9700 §2.1.2), answered in the query.
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'client_credentials'],
    // RFC 7636: S256 only; "plain" protects nothing against an attacker who sees the request.
    code_challenge_methods_supported: ['S256'],
    // RFC 8705 §2.1: clients authenticate with their PKI certificate on the TLS connection.
    token_endpoint_auth_methods_supported: ['tls_client_auth'],
    // RFC 8705 §3.3: every access token is bound to the client certificate (cnf x5t#S256).
    tls_client_certificate_bound_access_tokens: true,
    // RFC 9207: the authorization response names its issuer (mix-up defence).
    authorization_response_iss_parameter_supported: true,
    scopes_supported: scopes,
  };
}
