// Numbers, money and periods as a reader of the language expects them: "1 140 657 000 FCFA",
// "janvier 2024", "1er trimestre 2024".
import type { Language } from './i18n.svelte';

const formats = new Map<string, Intl.NumberFormat>();

// A number with at most `digits` decimals, as the language writes it ("12,5" in French).
export function decimal(value: number, lang: Language, digits = 2): string {
  const key = `${lang}/${digits}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: digits });
    formats.set(key, format);
  }
  return format.format(value);
}

export function integer(value: number, lang: Language): string {
  return decimal(value, lang, 0);
}

// A ratio as a percentage: 0.345 -> "34,5 %" in French (a narrow no-break space before the
// sign, so that it never starts a line), "34.5%" in English; `signed` writes "+" before a rise.
export function percent(ratio: number, lang: Language, digits = 1, signed = false): string {
  const sign = lang === 'en' ? '%' : '\u202f%';
  return `${signed && ratio > 0 ? '+' : ''}${decimal(ratio * 100, lang, digits)}${sign}`;
}

// Whole francs CFA.
export function money(value: number, lang: Language): string {
  return `${integer(value, lang)} FCFA`;
}

const MONTHS: Record<Language, string[]> = {
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre',
    'octobre', 'novembre', 'décembre'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
    'October', 'November', 'December'],
};

// A DHIS2 period in words: "202401" -> "janvier 2024", "2024Q1" -> "1er trimestre 2024" (in
// English "January 2024", "Q1 2024", as the API's labels).
export function period(code: string, lang: Language): string {
  const month = /^(\d{4})(\d{2})$/.exec(code);
  if (month) return `${MONTHS[lang][Number(month[2]) - 1]} ${month[1]}`;
  const quarter = /^(\d{4})Q([1-4])$/.exec(code);
  if (quarter) {
    const n = Number(quarter[2]);
    if (lang === 'en') return `Q${n} ${quarter[1]}`;  // as the API's labels say it
    return `${n === 1 ? '1er' : `${n}e`} trimestre ${quarter[1]}`;
  }
  return code;
}

// A message of the API as a sentence of the page: its first letter upper-case.
export function sentence(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

// A day in words: "2025-02-05" -> "5 février 2025" ("1er février 2025"), "5 February 2025".
export function day(iso: string, lang: Language): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!match) return iso;
  const n = Number(match[3]);
  const first = lang === 'fr' && n === 1 ? '1er' : String(n);
  return `${first} ${MONTHS[lang][Number(match[2]) - 1]} ${match[1]}`;
}

// "7 février 2025 11:52": a timestamp's day in words and its time (UTC, Mali's time).
export function moment(iso: string, lang: Language): string {
  return `${day(iso, lang)} ${iso.slice(11, 16)}`;
}
