// What every page knows once signed in: the session (certificate, provinces and their IdPs), the
// caller's role and province, the token's scopes, and the provinces by enum value.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ClientRole, ProvinceEndpoints, Session } from './session.js';
import type { ProvinceInfo } from './types.js';

export interface ConsoleContext {
  session: Session;
  role: ClientRole;
  /** The caller's own province (its certificate's). */
  own: ProvinceEndpoints;
  scopes: string[];
  /** Provinces from the gateway (the provinces query), by enum value. */
  provinces: Map<string, ProvinceInfo>;
  /** Province names by enum value, for messages. */
  names: Map<string, string>;
}

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useConsole outside the signed-in console');
  return c;
}
