// The pages are paths under /console/ (the gateway answers every one with index.html); moving
// between them is history.pushState, so the in-memory token survives.
import { useEffect, useState } from 'preact/hooks';
import type { PageId } from './i18n/zh.js';

const BASE = import.meta.env.BASE_URL; // '/console/'
export const PAGES: readonly PageId[] = ['counter', 'directory', 'admin', 'quality', 'operator'];

export function hrefOf(page: PageId): string {
  return `${BASE}${page}`;
}

/** The page a path names: '' for the console's root, the page id, or null for an unknown path. */
export function pageOf(pathname: string): PageId | '' | null {
  if (!pathname.startsWith(BASE)) return pathname === BASE.slice(0, -1) ? '' : null;
  const rest = pathname.slice(BASE.length).replace(/\/+$/, '');
  if (rest === '') return '';
  return (PAGES as readonly string[]).includes(rest) ? (rest as PageId) : null;
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const l of listeners) l();
}

/** The current location (path and query), re-rendered on navigation and back/forward. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return url;
}

/** An in-app link: a real <a href> (keyboard, middle-click), navigated without a reload. */
export function linkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
