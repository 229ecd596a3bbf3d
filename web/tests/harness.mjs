// The browser tests' harness: each test gets its own copy of the small demo database (built once
// per run by scripts/web-tests, KENEYA_WEB_TEST_DB), a real `keneya serve` on it at the demo's
// date serving the built app, and Debian's chromium driven by playwright-core. Screenshots go to
// KENEYA_WEB_SCREENSHOTS/<test>/ at laptop (1366x768) and tablet (768x1024) sizes.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const root = resolve(import.meta.dirname, '../..');
export const keneya = process.env.KENEYA_BIN ?? join(root, 'build/src/cli/keneya');
export const password = process.env.KENEYA_DEMO_PASSWORD ?? 'demo-web-tests';
export const screenshots = process.env.KENEYA_WEB_SCREENSHOTS ?? join(root, 'build/web-screenshots');
export const LAPTOP = { width: 1366, height: 768 };
export const TABLET = { width: 768, height: 1024 };

// A server on a fresh copy of the demo database; stop() ends it and removes the copy.
export async function startServer() {
  const base = process.env.KENEYA_WEB_TEST_DB;
  if (!base) throw new Error('KENEYA_WEB_TEST_DB: run the browser tests with scripts/web-tests');
  const dir = mkdtempSync(join(tmpdir(), 'keneya-web-'));
  const db = join(dir, 'keneya.db');
  copyFileSync(base, db);
  const server = await serve(db);
  return {
    url: server.url,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `keneya serve` on a database at the demo's date, serving the built app, on a free port.
export async function serve(db, timeout = 20000) {
  const child = spawn(
    keneya,
    ['--db', db, 'serve', '--host', '127.0.0.1', '--port', '0', '--static', join(root, 'web/dist')],
    { env: { ...process.env, KENEYA_TODAY: '2025-02-07' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`keneya serve did not start:\n${output}`)), timeout);
    const read = (chunk) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`keneya serve ended (${code}):\n${output}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done() : child.on('exit', done)));
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Screenshots of the page at both sizes, after checking that it neither scrolls sideways nor
// lets boxes overlap, and that axe finds no serious or critical violation.
export async function check(page, test, name) {
  const problems = [];
  for (const [size, viewport] of [
    ['portable', LAPTOP],
    ['tablette', TABLET],
  ]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(50);
    const sideways = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (sideways > 0) problems.push(`${name} (${size}): scrolls sideways by ${sideways}px`);
    const overlaps = await page.evaluate(overlapping);
    for (const overlap of overlaps) problems.push(`${name} (${size}): ${overlap}`);
    const dir = join(screenshots, test);
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(LAPTOP);
  for (const missed of await unreachable(page)) problems.push(`${name}: not reached by Tab: ${missed}`);
  const axe = await new AxeBuilder({ page }).analyze();
  for (const v of axe.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      problems.push(`${name}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
  }
  return problems;
}

// The page's controls that Tab never reaches, from the top of the page (every control must be
// reachable by keyboard).
async function unreachable(page) {
  const controls = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const count = await page.evaluate((selector) => {
    // A group of radio buttons is one stop (the arrows move within it): its checked button, or
    // its first when none is.
    const radioStop = (el) => {
      if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || !el.name) return true;
      const group = [...document.querySelectorAll('input[type="radio"]')].filter((r) => r.name === el.name && r.form === el.form);
      return el === (group.find((r) => r.checked) ?? group[0]);
    };
    const visible = [...document.querySelectorAll(selector)].filter(
      (el) => !el.disabled && radioStop(el) && (typeof el.checkVisibility !== 'function' || el.checkVisibility()),
    );
    for (const el of visible) el.dataset.keyboard = 'waiting';
    document.addEventListener('focusin', (event) => {
      if (event.target instanceof HTMLElement) event.target.dataset.keyboard = 'reached';
    });
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    return visible.length;
  }, controls);
  await page.evaluate(() => document.body.focus());
  // A control may hold several stops (a date field: day, month, year): a few more rounds if
  // some are still waiting.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < count + 3; i++) await page.keyboard.press('Tab');
    const waiting = await page.evaluate(() => document.querySelectorAll('[data-keyboard="waiting"]').length);
    if (waiting === 0) break;
  }
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-keyboard="waiting"]')]
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.id || '').trim().slice(0, 40)}"`),
  );
}

// Text boxes (leaf elements holding text) whose rectangles overlap another's: text drawn over text.
function overlapping() {
  const boxes = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.children.length > 0 || !el.textContent.trim()) continue;
    // Not drawn: inside a closed <details>, hidden, or content-visibility skipped.
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || style.position === 'absolute') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    boxes.push({ el, r });
  }
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r;
      const b = boxes[j].r;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 2 && y > 2 && !boxes[i].el.contains(boxes[j].el) && !boxes[j].el.contains(boxes[i].el)) {
        found.push(`"${boxes[i].el.textContent.trim().slice(0, 30)}" overlaps "${boxes[j].el.textContent.trim().slice(0, 30)}"`);
      }
    }
  }
  return found.slice(0, 5);
}

// The API as a signed-in user sees it, to compare what a page shows with it.
export async function apiAs(url, username, path) {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`login ${username}: ${login.status}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const answer = await fetch(`${url}${path}`, { headers: { Cookie: cookie, 'Accept-Language': 'fr' } });
  return answer.json();
}

// A signed-in API session: `get(path)` answers the JSON of a GET, `post(path, body)` of a POST
// (with the session's CSRF token). One sign-in for many calls (passwords are argon2id: slow).
export async function sessionAs(url, username) {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`login ${username}: ${login.status}`);
  const { csrfToken } = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const call = async (method, path, body) => {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: {
        Cookie: cookie,
        'Accept-Language': 'fr',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) };
}

// Text with its spaces made plain (French numbers use narrow no-break spaces).
export function plain(text) {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

// A whole number as French writes it, spaces made plain: 1234567 -> "1 234 567".
export function grouped(n) {
  return plain(n.toLocaleString('fr-FR'));
}

// A test file's server and browser, started before its tests and stopped after them.
export function setup() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

// A new browser context signed in as `username`, on its home page.
export async function signIn(env, username, options = {}) {
  const context = await env.browser.newContext({ locale: 'fr-FR', ...options });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/connexion`);
  await page.getByLabel("Nom d'utilisateur").fill(username);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: /^(Bonjour|Hello) / }).waitFor();
  return { context, page };
}
