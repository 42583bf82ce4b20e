// The one place that knows where the dev PKI (and production overrides pointing at the same
// layout) keeps its files, so that no other module hard-codes a path under certs/.
import path from 'node:path';

// Sample callers per province (docs/DESIGN.md §4): an inter-provincial app, a service counter, a
// catalogue administrator, and the province's own sync worker (a service keeping its mirrors in step).
export const DEV_CLIENTS = ['app', 'counter', 'admin', 'sync'] as const;
export type DevClient = (typeof DEV_CLIENTS)[number];

export interface CertKeyPaths {
  cert: string;
  key: string;
}

export interface GatewayPaths {
  /** Gateway root CA: issues the gateway's own server and client certificates. */
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate the gateway presents to subgraphs (mTLS, pinned by them). */
  clientCert: string;
  clientKey: string;
  /** EC P-256 key signing the short-lived caller assertions sent to subgraphs. */
  assertionKey: string;
  assertionJwks: string;
}

export interface ProvincePaths {
  /** The province's root CA: the trust anchor that identifies a caller as this province. */
  ca: string;
  caKey: string;
  /** The CRL the province CA issues for its client certificates (RFC 5280 §5). */
  crl: string;
  serverCert: string;
  serverKey: string;
  client(name: string): CertKeyPaths;
  /** The province IdP's JWT signing key and its public JWKS. */
  idpKey: string;
  idpJwks: string;
  /** Key sealing e-certificates and verification receipts, and its public JWKS. */
  sealKey: string;
  sealJwks: string;
}

export function gatewayPaths(certsDir: string): GatewayPaths {
  const dir = path.join(certsDir, 'gateway');
  return {
    ca: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
    clientCert: path.join(dir, 'client.crt'),
    clientKey: path.join(dir, 'client.key'),
    assertionKey: path.join(dir, 'assertion', 'signing.key'),
    assertionJwks: path.join(dir, 'assertion', 'jwks.json'),
  };
}

// Client names become file names: refuse anything that could escape the clients/ folder.
const CLIENT_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export function provincePaths(certsDir: string, provinceId: string): ProvincePaths {
  if (!CLIENT_NAME.test(provinceId)) throw new Error(`invalid province id for a certificate path: ${JSON.stringify(provinceId)}`);
  const dir = path.join(certsDir, provinceId);
  return {
    ca: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    crl: path.join(dir, 'crl.pem'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
    client(name: string): CertKeyPaths {
      if (!CLIENT_NAME.test(name)) throw new Error(`invalid client name for a certificate path: ${JSON.stringify(name)}`);
      return { cert: path.join(dir, 'clients', `${name}.crt`), key: path.join(dir, 'clients', `${name}.key`) };
    },
    idpKey: path.join(dir, 'idp', 'signing.key'),
    idpJwks: path.join(dir, 'idp', 'jwks.json'),
    sealKey: path.join(dir, 'seal', 'signing.key'),
    sealJwks: path.join(dir, 'seal', 'jwks.json'),
  };
}
