// The district team of Kati signs in and finds, in French, what waits for it, with the counts
// the API gives; the language switches to English and stays so; the sign-in page refuses a wrong
// password and every control is reached by keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, check, grouped, password, plain, setup } from './harness.mjs';

const env = setup();

// A fraction as the page writes a percentage: 0.7254 -> "72,5 %".
function pct(ratio, digits = 1) {
  return `${plain((ratio * 100).toLocaleString('fr-FR', { maximumFractionDigits: digits }))} %`;
}

test('the district signs in and sees what waits for it, in French then English', async () => {
  const context = await env.browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = [];

  // Anyone who is not signed in lands on the sign-in page.
  await page.goto(`${env.server.url}/`);
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  assert.match(page.url(), /\/connexion\?suite=%2F$/);
  // Every control by keyboard: the skip link, the language switch, the two fields.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Aller au contenu');
  const reached = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent));
  }
  assert.ok(reached.includes('username'), reached.join(', '));
  assert.ok(reached.includes('password'), reached.join(', '));
  problems.push(...(await check(page, 'accueil-district', 'connexion')));

  // A wrong password: refused, said so, nothing else shown.
  await page.getByLabel("Nom d'utilisateur").fill('district.kati');
  await page.getByLabel('Mot de passe').fill('pas-le-bon-mot-de-passe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /mot de passe|identifiant/i);
  problems.push(...(await check(page, 'accueil-district', 'connexion-refusee')));

  await page.getByLabel('Mot de passe').fill(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Bonjour Modibo Sidibé' }).waitFor();
  await page.getByRole('heading', { name: 'Ce qui vous attend' }).waitFor();
  await page.locator('.panel-head').getByText('Au 7 février 2025').waitFor();

  // Each group's count is the API's, and its first line is the API's first task.
  const tasks = await apiAs(env.server.url, 'district.kati', '/api/tasks');
  assert.ok(tasks.groups.length > 0, JSON.stringify(tasks).slice(0, 300));
  const headings = {
    declare: 'Déclarations à faire',
    verify: 'Chiffres à vérifier',
    issue_report: 'Procès-verbaux à émettre',
    answer: 'Contestations à traiter',
    validate: 'Périodes à valider',
  };
  for (const group of tasks.groups) {
    const section = page.locator('section.group').filter({
      has: page.getByRole('heading', { name: headings[group.action] }),
    });
    assert.equal(plain(await section.locator('.count').textContent()), grouped(group.count));
    const first = section.locator('tbody tr').first();
    assert.equal(await first.locator('td').nth(0).textContent(), group.items[0].facility.name);
    assert.equal(await first.locator('td').nth(2).textContent(), group.items[0].periodLabel);
  }
  // January is open and two days late for the facilities that have not declared it.
  const declare = tasks.groups.find((g) => g.action === 'declare');
  assert.ok(declare && declare.items.some((i) => i.period === '202501' && i.daysLate === 2));
  await page.getByText('2 j de retard').first().waitFor();
  // The largest gaps between declared and verified, as the API ranks them.
  const gaps = await apiAs(env.server.url, 'district.kati', '/api/gaps');
  assert.ok(gaps.gaps.length > 0);
  const firstGap = page.locator('table.gaps tbody tr').first();
  const cells = (await firstGap.locator('td').allTextContents()).map(plain);
  assert.deepEqual(cells.slice(0, 5), [
    gaps.gaps[0].facility.name,
    gaps.gaps[0].dataElement.name,
    gaps.gaps[0].periodLabel,
    grouped(gaps.gaps[0].declared),
    grouped(gaps.gaps[0].verified),
  ]);
  assert.equal(await page.locator('table.gaps tbody tr').count(), gaps.gaps.length);

  // The quarters, the map and the ranking: the API's figures, as French writes them.
  const overview = await apiAs(env.server.url, 'district.kati', '/api/overview');
  const quarters = overview.quarters.filter((q) => q.facilities > 0);
  assert.ok(quarters.length >= 3, JSON.stringify(overview.quarters));
  const rows = page.locator('table.quarters tbody tr');
  await rows.nth(quarters.length - 1).waitFor();
  assert.equal(await rows.count(), quarters.length);
  for (let i = 0; i < quarters.length; i++) {
    const q = quarters[i];
    assert.deepEqual((await rows.nth(i).locator('th, td').allTextContents()).map(plain), [
      q.periodLabel,
      grouped(q.facilities),
      `${grouped(q.total)} FCFA`,
      pct(q.score),
    ]);
  }
  await page.locator('.chart canvas').first().waitFor();  // uPlot drew the chart
  assert.equal(overview.latest.periodLabel, '3e trimestre 2024');
  await page.getByRole('heading', { name: 'Paiements et qualité par district, 3e trimestre 2024' }).waitFor();
  const drawn = overview.districts.filter((d) => d.precision === 'exact' && d.coordinates);
  assert.equal(await page.locator('figure.map circle').count(), drawn.length);
  const kati = overview.districts.find((d) => d.code === 'DS_KATI');
  assert.equal(
    plain(await page.locator('figure.map circle title').filter({ hasText: kati.name }).textContent()),
    `${kati.name} : ${grouped(kati.total)} FCFA, score ${pct(kati.score, 0)}`,
  );
  const best = page.locator('table.ranked').first().locator('tbody tr');
  assert.equal(await best.count(), overview.best.length);
  assert.deepEqual((await best.first().locator('td').allTextContents()).map(plain), [
    '1',
    overview.best[0].facility.name,
    ...(overview.districts.length > 1 ? [overview.best[0].district.name] : []),
    pct(overview.best[0].score),
    `${grouped(overview.best[0].total)} FCFA`,
  ]);
  problems.push(...(await check(page, 'accueil-district', 'accueil')));

  // English, remembered after a reload.
  await page.getByRole('button', { name: 'Lire en anglais' }).click();
  await page.getByRole('heading', { name: 'What waits for you' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Hello Modibo Sidibé' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByText('January 2025').first().waitFor();
  problems.push(...(await check(page, 'accueil-district', 'home-english')));

  // Signing out ends the session: the home page asks to sign in again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.goto(`${env.server.url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();
});

// What the district's home page costs a weak connection: every byte of its first load (the app,
// the API's answers), compressed as sent, under 200 KB.
test("the district's home page transfers under 200 KB on first load", async () => {
  const login = await fetch(`${env.server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'district.kati', password }),
  });
  const [name, value] = login.headers.get('set-cookie').split(';')[0].split('=');
  const context = await env.browser.newContext({ locale: 'fr-FR' });
  await context.addCookies([{ name, value, url: env.server.url }]);
  const page = await context.newPage();
  const sizes = [];
  page.on('requestfinished', (request) => {
    sizes.push(
      request.sizes().then((s) => ({ url: request.url(), bytes: s.responseBodySize + s.responseHeadersSize })),
    );
  });
  await page.goto(`${env.server.url}/`);
  await page.getByRole('heading', { name: 'Ce qui vous attend' }).waitFor();
  await page.locator('section.group').first().waitFor();
  await page.waitForLoadState('networkidle');
  const all = await Promise.all(sizes);
  const total = all.reduce((sum, s) => sum + s.bytes, 0);
  console.log(`home page, first load: ${all.length} requests, ${(total / 1024).toFixed(1)} KB transferred`);
  for (const s of all) console.log(`  ${(s.bytes / 1024).toFixed(1)} KB  ${new URL(s.url).pathname}`);
  assert.ok(all.some((s) => new URL(s.url).pathname === '/api/tasks'));
  assert.ok(total < 200 * 1024, `${total} bytes`);
  await context.close();
});
