// The public results page, logged out: the quarters the national unit published, each region's
// and district's total, each facility's earnings and quality score, as the public API gives them;
// in French, then in English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, grouped, plain, setup } from './harness.mjs';

const env = setup();

test('anyone sees what each facility earned in the published quarters', async () => {
  const problems = [];
  const context = await env.browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/connexion`);
  await page.getByRole('link', { name: 'Voir les résultats publiés sans se connecter' }).click();
  await page.getByRole('heading', { name: 'Résultats publiés du FBR' }).waitFor();

  const list = await (await fetch(`${env.server.url}/api/public/results`, { headers: { 'Accept-Language': 'fr' } })).json();
  assert.equal(list.runs[0].period, '2024Q3');  // the newest published; 2024Q4 waits for approval
  assert.equal(await page.getByLabel('Trimestre', { exact: true }).inputValue(), String(list.runs[0].run));
  const detail = await (await fetch(`${env.server.url}/api/public/results/${list.runs[0].run}`, { headers: { 'Accept-Language': 'fr' } })).json();
  await page.getByText(`${grouped(detail.invoices)} structures payées, ${grouped(detail.total)} FCFA au total`).waitFor();
  for (const region of detail.regions) {
    const row = page.locator('tr.subtotal').filter({ hasText: region.orgUnit.name });
    assert.equal(plain(await row.locator('td').last().textContent()), `${grouped(region.total)} FCFA`);
  }
  problems.push(...(await check(page, 'resultats-publics', 'resultats')));

  // One facility, found by name: its earnings and quality score, as published.
  await page.getByLabel('Chercher une structure').fill('Koko');
  const koko = detail.facilities.find((f) => f.facility.code === 'CSCOM_KATI_KOKO_II');
  const row = page.locator('tbody tr').filter({ hasText: 'CSCOM Koko II' });
  await row.waitFor();
  const cells = (await row.locator('td').allTextContents()).map(plain);
  assert.deepEqual(cells, [koko.district.name, `${grouped(koko.total)} FCFA`, ...koko.shown.map(plain)]);
  assert.deepEqual(detail.shownLabels, ['Score qualité (%)']);
  problems.push(...(await check(page, 'resultats-publics', 'recherche')));

  // An earlier quarter, and the page in English.
  await page.getByLabel('Trimestre', { exact: true }).selectOption({ label: '2e trimestre 2024' });
  await page.getByRole('heading', { name: /2e trimestre 2024/ }).waitFor();
  await page.getByRole('button', { name: 'Lire en anglais' }).click();
  await page.getByRole('heading', { name: 'Published PBF results' }).waitFor();
  await page.getByRole('heading', { name: /Q2 2024/ }).waitFor();
  problems.push(...(await check(page, 'resultats-publics', 'results-english')));

  assert.deepEqual(problems, []);
  await context.close();
});
