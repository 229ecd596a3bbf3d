// What ships: the built app holds no placeholder text (lorem ipsum, TODO, "coming soon"...), and
// every text key the pages use exists in both languages (typed: a missing key does not compile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '../dist');
const src = resolve(import.meta.dirname, '../src');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const placeholders = [
  /lorem ipsum/i,
  /\bTODO\b/,
  /\bFIXME\b/,
  /\bXXX\b/,
  /coming soon/i,
  /bientôt disponible/i,
  /à compléter/i,
  /under construction/i,
  /en construction/i,
  /placeholder text/i,
];

test('the built app and its sources hold no placeholder text', () => {
  const shipped = files(dist).filter((f) => /\.(js|css|html)$/.test(f));
  assert.ok(shipped.length >= 3, 'web/dist is built');
  for (const file of [...shipped, ...files(src)]) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of placeholders) {
      assert.ok(!pattern.test(text), `${file}: ${pattern}`);
    }
  }
});

test('the French and English texts say the same things, none empty', async () => {
  const source = readFileSync(join(src, 'lib/messages.ts'), 'utf8');
  const keys = (block) => [...block.matchAll(/^\s+'([a-z_.]+)':\s*(['"`])(.*)\2,?$/gm)].map((m) => [m[1], m[3]]);
  const french = keys(source.slice(source.indexOf('export const fr'), source.indexOf('export type')));
  const english = keys(source.slice(source.indexOf('export const en')));
  assert.ok(french.length > 50);
  assert.deepEqual(english.map(([k]) => k).sort(), french.map(([k]) => k).sort());
  for (const [key, text] of [...french, ...english]) assert.ok(text.trim(), key);
});
