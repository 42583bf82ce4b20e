// Authorization codes (RFC 6749 §4.1.2): random, short-lived (60 s; §4.1.2 recommends at most 10
// minutes) and single-use. Each is bound to what the token request must repeat: the client, the
// redirect URI (§4.1.3), the PKCE challenge (RFC 7636 §4.4) and the thumbprint of the certificate the
// person presented at /authorize, so only that certificate can redeem it (RFC 8705 §3). A code is
// taken out of the store the first time it is presented, whatever the outcome: a second attempt,
// legitimate or not, finds nothing (§4.1.2 "MUST NOT use the authorization code more than once").
import { randomBytes } from 'node:crypto';

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  thumbprint: string;
  scope: string;
  subject: string;
}

export type Redeemed = { ok: true; grant: CodeGrant } | { ok: false; why: 'unknown' | 'used' | 'expired' };

export const CODE_LIFETIME_MS = 60_000;
/** Codes waiting to be redeemed, at most; a flood of /authorize calls cannot grow the store past it. */
const MAX_CODES = 10_000;

export class AuthorizationCodes {
  private readonly live = new Map<string, CodeGrant & { expiresAt: number }>();
  // Codes already presented, kept until they would have expired, only to tell "used" from "unknown".
  private readonly spent = new Map<string, number>();

  constructor(
    private readonly lifetimeMs = CODE_LIFETIME_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: CodeGrant): string {
    this.sweep();
    if (this.live.size >= MAX_CODES) throw new Error('too many authorization codes waiting to be redeemed');
    // 256 bits from the CSPRNG (RFC 6749 §10.10: guessing must be infeasible).
    const code = randomBytes(32).toString('base64url');
    this.live.set(code, { ...grant, expiresAt: this.now() + this.lifetimeMs });
    return code;
  }

  /** Takes the code out of the store: it can be presented once. */
  redeem(code: string): Redeemed {
    const entry = this.live.get(code);
    if (!entry) return { ok: false, why: this.spent.has(code) ? 'used' : 'unknown' };
    this.live.delete(code);
    this.spent.set(code, entry.expiresAt);
    if (this.now() >= entry.expiresAt) return { ok: false, why: 'expired' };
    const { expiresAt: _expiresAt, ...grant } = entry;
    return { ok: true, grant };
  }

  private sweep(): void {
    const now = this.now();
    for (const [code, e] of this.live) if (now >= e.expiresAt) this.live.delete(code);
    for (const [code, until] of this.spent) if (now >= until) this.spent.delete(code);
  }
}
