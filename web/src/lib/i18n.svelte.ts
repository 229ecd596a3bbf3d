// The reader's language: French by default, English by a switch that is remembered (local
// storage). t() looks a text up by key and fills its {parameters}.
import { en, fr, type MessageKey } from './messages';

export type Language = 'fr' | 'en';

const KEY = 'keneya.language';

function initial(): Language {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'fr';
  } catch {
    return 'fr';
  }
}

export const locale = $state<{ lang: Language }>({ lang: initial() });

export function setLanguage(lang: Language): void {
  locale.lang = lang;
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // A browser that refuses storage keeps the choice for this visit only.
  }
  document.documentElement.lang = lang;
}

// Whether the app has a text for `key` (a code the API may send that the app names).
export function known(key: string): key is MessageKey {
  return key in fr;
}

// A code the API sends, in words when the app has them ("run.approved" -> "approuvé"), else the
// code as it came.
export function words(prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return known(key) ? t(key) : code;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = (locale.lang === 'en' ? en : fr)[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
