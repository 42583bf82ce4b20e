// Each province's public seal keys (GET /keys/<province>/seal.jwks.json on the gateway), cached in
// localStorage so that a receipt can be checked offline once its province's keys were fetched.
// Public keys only: a key set carrying private members is refused.
import type { JSONWebKeySet } from 'jose';

const CACHE_PREFIX = 'chuanyu.console.sealKeys.';

export interface SealKeys {
  jwks: JSONWebKeySet;
  fetchedAt: string;
  /** 'network': fetched now; 'cache': the gateway could not be reached, the cached set is used. */
  from: 'network' | 'cache';
}

function isPublicKeySet(v: unknown): v is JSONWebKeySet {
  const keys = (v as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.every((k) => k !== null && typeof k === 'object' && !('d' in k));
}

function cached(province: string): SealKeys | null {
  try {
    const raw = localStorage.getItem(CACHE_PREFIX + province);
    if (!raw) return null;
    const v = JSON.parse(raw) as { jwks: unknown; fetchedAt: string };
    return isPublicKeySet(v.jwks) ? { jwks: v.jwks, fetchedAt: v.fetchedAt, from: 'cache' } : null;
  } catch {
    return null;
  }
}

/** The province's seal keys: fresh from the gateway when it answers, else the cached ones, else null. */
export async function sealKeys(province: string): Promise<SealKeys | null> {
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(province)) return null;
  try {
    const res = await fetch(`/keys/${province}/seal.jwks.json`, { cache: 'no-store', credentials: 'same-origin' });
    if (res.ok) {
      const jwks = (await res.json()) as unknown;
      if (isPublicKeySet(jwks)) {
        const fetchedAt = new Date().toISOString();
        try {
          localStorage.setItem(CACHE_PREFIX + province, JSON.stringify({ jwks, fetchedAt }));
        } catch {
          // No storage: still checked now, just not offline later.
        }
        return { jwks, fetchedAt, from: 'network' };
      }
    }
  } catch {
    // Offline or the gateway is down: fall back to the cache.
  }
  return cached(province);
}
