// The console's language: Chinese by default, English by the switch in the header. The choice is
// remembered in localStorage (a preference, not a credential). All strings come from zh.ts / en.ts.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en } from './en.js';
import { type Dictionary, zh } from './zh.js';

export type Lang = 'zh' | 'en';
export type { BreakerState, ClientRole, CrlFreshness, Dictionary, PageId } from './zh.js';

const DICTIONARIES: Record<Lang, Dictionary> = { zh, en };
const LANG_KEY = 'chuanyu.console.lang';

export function initialLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // A browser that refuses storage just forgets the choice.
  }
  document.documentElement.lang = DICTIONARIES[lang].lang;
}

export function dictionary(lang: Lang): Dictionary {
  return DICTIONARIES[lang];
}

export interface I18n {
  lang: Lang;
  t: Dictionary;
  setLang(lang: Lang): void;
  /** A timestamp (ISO 8601) in the reader's time zone, in the page's language. */
  time(iso: string | null | undefined): string;
  /** A number with the language's grouping. */
  num(n: number): string;
}

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const t = DICTIONARIES[lang];
  const dateTime = new Intl.DateTimeFormat(t.lang, { dateStyle: 'medium', timeStyle: 'medium' });
  const number = new Intl.NumberFormat(t.lang);
  return {
    lang,
    t,
    setLang,
    time: (iso) => {
      if (!iso) return '—';
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
    },
    num: (n) => number.format(n),
  };
}

export const I18nContext = createContext<I18n>(makeI18n('zh', () => {}));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
