// An invoice, opened from the period it pays: its total and every explained amount equal the
// API's; the explanation goes down to the table row and the entered value; the PDF downloaded
// reads back (pdftotext) with the same total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiAs, check, grouped, plain, setup, signIn } from './harness.mjs';

const env = setup();

test('an invoice and how its amounts are computed, as the API says, and its PDF', async () => {
  const problems = [];
  const { context, page } = await signIn(env, 'district.kati', { acceptDownloads: true });

  // April 2024 of Koko II is paid: its page says so and leads to its invoice.
  const april = await apiAs(env.server.url, 'district.kati', '/api/periods/FBR_QUANTITE/CSCOM_KATI_KOKO_II/202404');
  assert.equal(april.status, 'paid');
  await page.goto(`${env.server.url}/periodes/${april.dataSet.id}/${april.orgUnit.id}/202404`);
  await page.getByText('Statut : payée').waitFor();
  await page.getByRole('link', { name: `Voir la facture ${april.invoice}` }).click();
  await page.getByRole('heading', { name: `Facture ${april.invoice}` }).waitFor();

  const invoice = await apiAs(env.server.url, 'district.kati', `/api/invoices/${april.invoice}`);
  const total = page.locator('.total .amount');
  assert.equal(plain(await total.textContent()).trim(), `${grouped(invoice.total)} FCFA`);
  await page.getByText(invoice.totalInWords).waitFor();
  problems.push(...(await check(page, 'facture-koko', 'facture')));

  // The total, explained: the tree's root is the API's.
  await total.getByRole('button').click();
  const tree = page.locator('#explanation');
  await tree.waitFor();
  const whole = await apiAs(env.server.url, 'district.kati', `/api/invoices/${april.invoice}/explanation`);
  assert.equal(plain(await tree.locator('.tree > li > details > summary .value').textContent()), plain(whole.explanation.shown));

  // An activity's amount, explained down to the tariff's row and the verified number.
  const quantity = invoice.packages.find((p) => p.amount);
  const line = invoice.lines.find((l) => l.kind === 'activity' && l.package === quantity.code && l.amount > 0);
  const column = quantity.columns.find((c) => c.name === quantity.amount);
  await page.getByRole('button', { name: `Comment ce montant est calculé : ${line.label}, ${column.title}` }).first().click();
  const query = new URLSearchParams({ formula: `${quantity.code}.${quantity.amount}`, activity: line.code, period: line.period });
  const amount = await apiAs(env.server.url, 'district.kati', `/api/invoices/${april.invoice}/explanation?${query}`);
  await page.locator('#explanation').getByText(amount.explanation.label).first().waitFor();
  const shownRoot = plain(await page.locator('#explanation .tree > li .value').first().textContent());
  assert.equal(shownRoot, plain(amount.explanation.shown));
  const leaves = await page.locator('#explanation .leaf').allTextContents();
  assert.ok(leaves.some((text) => /Table : tarifs\.csv:\d+/.test(text)), leaves.join(' | '));
  problems.push(...(await check(page, 'facture-koko', 'explication')));

  // The PDF, downloaded and read back.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Télécharger en PDF' }).click(),
  ]);
  const file = join(mkdtempSync(join(tmpdir(), 'keneya-pdf-')), 'facture.pdf');
  await download.saveAs(file);
  const text = plain(execFileSync('pdftotext', ['-layout', file, '-']).toString());
  assert.ok(text.includes(grouped(invoice.total)), `the PDF's text lacks ${grouped(invoice.total)}`);
  assert.ok(text.includes('CSCOM Koko II'));

  // The XLSX, downloaded: a workbook whose cells hold the total.
  const [sheet] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Télécharger en Excel (XLSX)' }).click(),
  ]);
  const workbook = join(mkdtempSync(join(tmpdir(), 'keneya-xlsx-')), 'facture.xlsx');
  await sheet.saveAs(workbook);
  const cells = execFileSync('python3', [
    '-c',
    'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n' +
      'print("".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/")))',
    workbook,
  ]).toString();
  assert.ok(cells.includes(`>${invoice.total}<`), `the workbook lacks ${invoice.total}`);
  assert.ok(cells.includes('CSCOM Koko II'));

  // The facility's card, from the invoice: identity, contract, account, months, invoices.
  await page.getByRole('link', { name: 'CSCOM Koko II' }).first().click();
  await page.getByRole('heading', { name: 'CSCOM Koko II', exact: true }).waitFor();
  const card = await apiAs(env.server.url, 'district.kati', '/api/facilities/CSCOM_KATI_KOKO_II');
  await page.getByText('District sanitaire de Kati, région de Koulikoro').waitFor();
  await page.getByText(/FBR Mali \(programme de démonstration\) : du 1er janvier 2021 sans fin/).waitFor();
  await page.getByText(/confirmé par paiement\.diallo/).waitFor();
  const months = page.locator('#months-title').locator('xpath=..').locator('tbody tr');
  assert.equal(await months.count(), card.months.length);
  // Each month's place in the workflow, and the contract's history, as the API gives them.
  const december = card.months.at(-1);
  assert.equal(await months.last().locator('td').nth(2).textContent(), december.steps.map((s) => s.statusLabel).join(', '));
  assert.ok(card.contracts[0].history.length > 0);
  await page.getByText(`Historique du contrat (${card.contracts[0].history.length})`).click();
  await page.locator('details.contract-history li').first().waitFor();
  const invoices = page.locator('#invoices-title').locator('xpath=..').locator('tbody tr');
  const row = invoices.filter({ has: page.getByRole('link', { name: april.invoice }) });
  assert.match(plain(await row.textContent()), /approuvé/);
  // Its score quarter by quarter and its payments, as the API gives them.
  assert.ok(card.quality.quarters.length >= 3, JSON.stringify(card.quality));
  const quality = page.locator('table.quality tbody tr');
  assert.equal(await quality.count(), card.quality.quarters.length);
  const lastQuarter = card.quality.quarters.at(-1);
  assert.deepEqual(
    (await quality.last().locator('th, td').allTextContents()).map((t) => plain(t).trim()),
    [
      lastQuarter.periodLabel,
      `${plain((lastQuarter.score * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 }))} %`,
      '',
      `${grouped(lastQuarter.total)} FCFA`,
    ],
  );
  assert.ok(card.payments, 'the district reads payments');
  assert.match(plain(await page.locator('p.balance').textContent()), new RegExp(`Reste à payer : ${grouped(card.payments.due)} FCFA`));
  const standing = card.payments.invoices.find((s) => s.number === april.invoice);
  assert.deepEqual((await row.locator('td').allTextContents()).slice(3).map(plain), [
    `${grouped(standing.paid)} FCFA`,
    `${grouped(standing.balance)} FCFA`,
    standing.stateLabel,
  ]);
  const received = page.locator('table.received tbody tr');
  assert.equal(await received.count(), card.payments.payments.length);
  problems.push(...(await check(page, 'facture-koko', 'fiche-structure')));

  assert.deepEqual(problems, []);
  await context.close();
});
