// What a person types in a cell, read as the API stores it: French decimals and spaces accepted
// ("1 234" -> "1234", "12,5" -> "12.5"); null when it does not fit the element's type.
export function readNumber(typed: string, valueType: string): string | null {
  const text = typed.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (text === '') return '';
  if (valueType.startsWith('INTEGER')) {
    const sign = valueType === 'INTEGER_ZERO_OR_POSITIVE' || valueType === 'INTEGER_POSITIVE' ? '' : '-?';
    if (!new RegExp(`^${sign}\\d+$`).test(text)) return null;
    const n = String(Number(text));
    if (valueType === 'INTEGER_POSITIVE' && n === '0') return null;
    return n;
  }
  if (valueType === 'NUMBER' || valueType === 'PERCENTAGE') {
    return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
  }
  return typed.trim();
}
