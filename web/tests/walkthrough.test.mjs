// January 2025 of CSCOM Koko II, walked through by the people who do it: the facility head
// declares it in the grid (typing, then pasting a column), the verifier types what the registers
// hold, one number lower (a gap), verifies and issues the report; the head contests it, the
// verifier answers, the district validates. What each page shows is checked against the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, check, plain, setup, signIn } from './harness.mjs';

const env = setup();


test('January is declared, verified with a gap, contested, answered and validated', async () => {
  const problems = [];
  const shot = 'janvier-koko';

  // The head of Koko II finds January among what waits for him, and opens it.
  const head = await signIn(env, 'chef.kokoii');
  const declare = head.page.locator('section.group').filter({
    has: head.page.getByRole('heading', { name: 'Déclarations à faire' }),
  });
  await declare.getByRole('link', { name: 'CSCOM Koko II' }).first().click();
  await head.page.getByRole('heading', { name: 'CSCOM Koko II — janvier 2025' }).waitFor();
  assert.match(plain(await head.page.locator('.facts').textContent()), /En retard de 2 j/);
  const path = new URL(head.page.url()).pathname;
  const [, , dataSet, orgUnit] = path.split('/');

  // Typed by keyboard: a number, Enter to the next row.
  const typed = ['212', '148', '9'];
  await head.page.locator('#cell-0').click();
  for (const value of typed) {
    await head.page.keyboard.type(value);
    await head.page.keyboard.press('Enter');
  }
  // A wrong entry is refused as it is typed, and never sent.
  await head.page.locator('#cell-3').fill('12,5');
  await head.page.getByText('un nombre entier positif ou nul').waitFor();
  // A column pasted from a spreadsheet, French spaces included, fills the rows below.
  await head.page.locator('#cell-3').fill('');
  await head.page.locator('#cell-3').evaluate((input) => {
    const data = new DataTransfer();
    data.setData('text/plain', '1 234\n17\n6\n');
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await head.page.locator('#cell-5').press('Tab');
  await head.page.waitForFunction(() => document.querySelectorAll('.grid .ok').length >= 6);
  const declared = ['212', '148', '9', '1234', '17', '6'];
  const stored = await apiAs(
    env.server.url,
    'chef.kokoii',
    `/api/forms?dataSet=${dataSet}&orgUnit=${orgUnit}&period=202501&state=declared`,
  );
  const form = stored.dataElements.map((e) => stored.cells.find((c) => c.dataElement === e.id)?.value ?? null);
  assert.deepEqual(form.slice(0, 6), declared);
  problems.push(...(await check(head.page, shot, 'declaration')));
  await head.page.getByRole('button', { name: 'Déclarer la période' }).click();
  await head.page.getByText('la période est maintenant « déclarée »').waitFor();

  // The verifier: the declared numbers beside hers, one lower than declared.
  const verifier = await signIn(env, 'verif.kati');
  await verifier.page.goto(`${env.server.url}${path}`);
  await verifier.page.getByRole('heading', { name: 'Chiffres vérifiés dans les registres' }).waitFor();
  const verified = ['212', '145', '9', '1234', '17', '6'];
  for (let i = 0; i < verified.length; i++) {
    await verifier.page.locator(`#cell-${i}`).fill(verified[i]);
    await verifier.page.locator(`#cell-${i}`).press('Enter');
  }
  await verifier.page.waitForFunction(() => document.querySelectorAll('.grid .ok').length >= 6);
  assert.equal(plain(await verifier.page.locator('.grid td.gap').first().textContent()).trim(), '-3');
  // She says why on the row with the gap; the comment is saved with her number.
  const gapRow = verifier.page.locator('.grid tbody tr.has-gap').first();
  const gapLabel = await gapRow.locator('th label').textContent();
  await gapRow.getByRole('button', { name: `Commenter : ${gapLabel}` }).click();
  const comment = verifier.page.getByLabel(`Commentaire (${gapLabel}) :`);
  await comment.fill('Registre : 145, trois fiches en double.');
  await comment.press('Tab');
  await verifier.page.waitForFunction(() => document.querySelectorAll('.grid .ok').length >= 6);
  const checked = await apiAs(
    env.server.url,
    'verif.kati',
    `/api/forms?dataSet=${dataSet}&orgUnit=${orgUnit}&period=202501&state=verified`,
  );
  const commented = checked.cells.filter((c) => c.comment);
  assert.deepEqual(
    commented.map((c) => [c.value, c.comment]),
    [['145', 'Registre : 145, trois fiches en double.']],
  );
  problems.push(...(await check(verifier.page, shot, 'verification')));
  await verifier.page.getByRole('button', { name: 'Marquer comme vérifiée' }).click();
  await verifier.page.getByText('la période est maintenant « vérifiée »').waitFor();
  await verifier.page.getByRole('button', { name: 'Émettre le procès-verbal' }).click();
  await verifier.page.getByRole('heading', { name: 'Procès-verbal de vérification' }).waitFor();
  await verifier.page.getByText('1 écart(s) entre déclaré et vérifié').waitFor();
  const file = await apiAs(env.server.url, 'verif.kati', `/api/periods/${dataSet}/${orgUnit}/202501`);
  assert.equal(file.report.gaps, 1);
  assert.equal(file.status, 'reported');

  // The head contests, with a reason; the verifier answers; the district validates.
  await head.page.reload();
  await head.page.getByRole('heading', { name: 'Procès-verbal de vérification' }).waitFor();
  await head.page.getByLabel('Motif (obligatoire)').fill('Le registre de CPN compte 148 femmes vues.');
  await head.page.getByRole('button', { name: 'Contester le procès-verbal' }).click();
  await head.page.getByText('la période est maintenant « contestée »').waitFor();
  problems.push(...(await check(head.page, shot, 'contestation')));

  await verifier.page.reload();
  await verifier.page.getByLabel('Motif (obligatoire)').fill('Registre recompté : 145, trois fiches en double.');
  await verifier.page.getByRole('button', { name: 'Répondre à la contestation' }).click();
  await verifier.page.getByText(/la période est maintenant « .*répon/).waitFor();

  const district = await signIn(env, 'district.kati');
  await district.page.goto(`${env.server.url}${path}`);
  await district.page.getByRole('button', { name: 'Valider' }).click();
  await district.page.getByText('la période est maintenant « validée »').waitFor();
  await district.page.getByText(/^Réponse de verif.kati : « Registre recompté : 145/).waitFor();
  problems.push(...(await check(district.page, shot, 'validation')));
  const validated = await apiAs(env.server.url, 'district.kati', `/api/periods/${dataSet}/${orgUnit}/202501`);
  assert.equal(validated.status, 'validated');
  assert.deepEqual(
    validated.history.map((e) => e.action),
    ['declare', 'verify', 'issue_report', 'contest', 'answer', 'validate'],
  );

  assert.deepEqual(problems, []);
  for (const who of [head, verifier, district]) await who.context.close();
});

// The district types a paper report on a facility's behalf: recorded as such.
test("the district types a facility's paper report for January", async () => {
  const tasks = await apiAs(env.server.url, 'district.kati', '/api/tasks');
  const open = tasks.groups
    .find((g) => g.action === 'declare')
    .items.find((i) => i.period === '202501' && i.facility.code !== 'CSCOM_KATI_KOKO_II');
  assert.ok(open, 'an open January in the district');
  const district = await signIn(env, 'district.kati');
  const declare = district.page.locator('section.group').filter({
    has: district.page.getByRole('heading', { name: 'Déclarations à faire' }),
  });
  await declare.locator('tbody tr').filter({ hasText: 'janvier 2025' }).getByRole('link', { name: open.facility.name }).first().click();
  await district.page.getByRole('heading', { name: `${open.facility.name} — janvier 2025` }).waitFor();
  await district.page.locator('#cell-0').fill('87');
  await district.page.locator('#cell-0').press('Enter');
  await district.page.locator('#cell-1').fill('64');
  await district.page.locator('#cell-1').press('Enter');
  await district.page.waitForFunction(() => document.querySelectorAll('.grid .ok').length >= 2);
  await district.page.getByRole('button', { name: 'Déclarer la période' }).click();
  await district.page.getByText('la période est maintenant « déclarée »').waitFor();
  await district.page.getByText('Rapport papier saisi par le district pour la structure').waitFor();
  const file = await apiAs(
    env.server.url,
    'district.kati',
    `/api/periods/${open.dataSet.id}/${open.facility.id}/202501`,
  );
  assert.equal(file.declaredOnBehalf, true);
  assert.equal(file.daysLate, 2);
  assert.equal(file.history[0].onBehalf, true);
  assert.deepEqual(await check(district.page, 'rapport-papier', 'declaration-pour-la-structure'), []);
  await district.context.close();
});
