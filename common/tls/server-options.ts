// TLS settings every server of the project shares (gateway, province subgraphs, any IdP or JWKS
// endpoint), used both at start-up and on every secure-context reload so that a certificate
// rotation cannot drop them.
import { constants } from 'node:crypto';

export const TLS_SERVER_HARDENING = {
  minVersion: 'TLSv1.2',
  // Refuse renegotiation (TLS 1.2; TLS 1.3 has none). Node's own guard only rate-limits
  // client-initiated renegotiation (3 per 10 minutes), and a renegotiation can present another
  // client certificate on a connection that was already identified, or one where there was none
  // (the "renegotiation attack": RFC 5746 fixes its injection variant, not the change of peer).
  // With this option OpenSSL answers a ClientHello on an established connection with a
  // no_renegotiation alert and the connection ends.
  secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
} as const;
