// Only the federation gateway may call a province subgraph: the TLS client certificate must be the
// gateway's pinned one (a valid certificate from the same CA is not enough, and province client
// certificates must never reach a subgraph directly), and the caller's identity comes only from
// the gateway-signed assertion for this province, never from plain headers (docs/DESIGN.md §4).
import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import { CALLER_ASSERTION_HEADER, type CallerAssertionVerifier, REQUEST_ID_HEADER, requestIdFrom } from '../../common/identity/caller-assertion.js';

function refuse(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** `pinned()` is read per request, so a rotated gateway certificate takes effect at once. */
export function gatewayOnly(pinned: () => string, verifier: CallerAssertionVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const socket = req.socket as TLSSocket;
    // The session's SHA-256 fingerprint, read natively (getPeerCertificate() builds an object of
    // every field per request); the pin is lower-case hex without colons.
    const fingerprint = socket.getPeerX509Certificate?.()?.fingerprint256.replaceAll(':', '').toLowerCase();
    if (!socket.authorized || !fingerprint || fingerprint !== pinned()) {
      return refuse(res, 403, 'FORBIDDEN', 'only the federation gateway may call this subgraph');
    }
    const assertion = req.headers[CALLER_ASSERTION_HEADER];
    if (typeof assertion !== 'string') return refuse(res, 401, 'UNAUTHENTICATED', 'caller assertion missing');
    try {
      res.locals.caller = await verifier.verify(assertion, requestIdFrom(req.headers[REQUEST_ID_HEADER]));
    } catch {
      return refuse(res, 401, 'UNAUTHENTICATED', 'caller assertion invalid or expired');
    }
    next();
  };
}
