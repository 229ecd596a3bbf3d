// The national unit and the payment officers (issue 12, its runs and payments): the member who
// started the waiting 2024Q4 run is told another member must approve it; the other member
// approves it, its totals by region as the API gives them; a payment officer downloads its
// payment order for the bank, records a partial payment (the balance then the API's), then the
// bank's statement paying the rest (a mistyped file refused with its line and column).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiAs, check, grouped, plain, sessionAs, setup, signIn } from './harness.mjs';

const env = setup();

test('a run is approved by the member who did not start it, then paid in part', async () => {
  const problems = [];
  const runs = await apiAs(env.server.url, 'cellule.kone', '/api/runs');
  const waiting = runs.runs.find((r) => r.period === '2024Q4' && r.status === 'computed');
  assert.ok(waiting, JSON.stringify(runs.runs.slice(0, 3)));
  assert.equal(waiting.createdBy, 'cellule.diarra');

  // The member who started it: the page says why she may not approve it.
  const diarra = await signIn(env, 'cellule.diarra');
  await diarra.page.getByRole('link', { name: 'Calculs' }).click();
  await diarra.page.getByRole('heading', { name: 'Calculs des factures' }).waitFor();
  const rows = diarra.page.locator('table.runs tbody tr');
  await rows.nth(runs.runs.length - 1).waitFor(); // the heading is shown before the list arrives
  assert.equal(await rows.count(), runs.runs.length);
  problems.push(...(await check(diarra.page, 'cellule', 'calculs')));
  // She computes 2024Q4 again, replacing the waiting run, and watches it compute.
  await diarra.page.getByLabel('Période', { exact: true }).selectOption('2024Q4');
  await diarra.page.getByLabel(`Remplacer le calcul n° ${waiting.id} de cellule.diarra, en attente d'approbation`).check();
  // The progress bar may come and go within a moment: whether it was shown is recorded as it is.
  await diarra.page.evaluate(() => {
    window.progressShown = false;
    new MutationObserver(() => {
      if (document.querySelector('[role="progressbar"]')) window.progressShown = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await diarra.page.getByRole('button', { name: 'Lancer le calcul' }).click();
  await diarra.page.getByRole('heading', { name: /^Calcul n° \d+ : 4e trimestre 2024$/ }).waitFor({ timeout: 120000 });
  assert.ok(await diarra.page.evaluate(() => window.progressShown), 'the progress bar was shown');
  const replaced = Number(/\/calculs\/(\d+)$/.exec(diarra.page.url())[1]);
  assert.ok(replaced > waiting.id);
  await diarra.page.getByText("Vous avez lancé ce calcul : un autre membre de la cellule doit l'approuver").waitFor();
  assert.equal(await diarra.page.getByRole('button', { name: 'Approuver le calcul' }).count(), 0);
  await diarra.context.close();
  const again = await apiAs(env.server.url, 'cellule.kone', `/api/runs/${replaced}`);
  assert.equal(again.status, 'computed');
  assert.equal(again.total, waiting.total); // the same data, the same invoices
  waiting.id = replaced;

  // The other member approves it.
  const kone = await signIn(env, 'cellule.kone');
  await kone.page.goto(`${env.server.url}/calculs/${waiting.id}`);
  await kone.page.getByText("Vous pouvez l'approuver : il doit l'être par un autre membre de la cellule que cellule.diarra").waitFor();
  const detail = await apiAs(env.server.url, 'cellule.kone', `/api/runs/${waiting.id}`);
  const regions = kone.page.locator('table.zones tbody > tr');
  await regions.nth(detail.regions.length - 1).waitFor();
  assert.equal(await regions.count(), detail.regions.length);
  const first = (await regions.first().locator('td').allTextContents()).map(plain);
  assert.deepEqual(first.slice(0, 2), [grouped(detail.regions[0].invoices), `${grouped(detail.regions[0].total)} FCFA`]);
  const workflow = await apiAs(env.server.url, 'cellule.kone', `/api/runs/${waiting.id}/workflow`);
  if (workflow.leftOut.length > 0) {
    await kone.page.getByRole('heading', { name: `Structures laissées de côté (${workflow.leftOut.length})` }).waitFor();
  }
  problems.push(...(await check(kone.page, 'cellule', 'calcul-a-approuver')));
  await kone.page.getByRole('button', { name: 'Approuver le calcul' }).click();
  await kone.page.getByText('Calcul approuvé : les valeurs lues sont verrouillées.').waitFor();
  await kone.page.getByText(/^Approuvé par cellule\.kone le 7 février 2025/).waitFor();
  const approved = await apiAs(env.server.url, 'cellule.kone', `/api/runs/${waiting.id}/workflow`);
  assert.equal(approved.status, 'approved');
  assert.equal(approved.approvedBy, 'cellule.kone');
  // Published: the public page's quarters now begin with it.
  await kone.page.getByRole('button', { name: 'Publier les résultats' }).click();
  await kone.page.getByText('Résultats publiés sur la page publique.').waitFor();
  const published = await (await fetch(`${env.server.url}/api/public/results`)).json();
  assert.equal(published.runs[0].run, waiting.id);
  assert.equal(published.runs[0].period, '2024Q4');
  await kone.context.close();

  // The payment officer: the order for the bank, then a partial payment of its first line.
  const payer = await signIn(env, 'paiement.diallo', { acceptDownloads: true });
  await payer.page.goto(`${env.server.url}/calculs/${waiting.id}`);
  await payer.page.getByRole('link', { name: 'Ordre de paiement' }).click();
  await payer.page.getByRole('heading', { name: `Ordre de paiement du calcul n° ${waiting.id}` }).waitFor();
  const order = await apiAs(env.server.url, 'paiement.diallo', `/api/runs/${waiting.id}/payment-order`);
  assert.ok(order.lines.length > 0);
  assert.match(plain(await payer.page.locator('p.total').textContent()), new RegExp(`${grouped(order.total)} FCFA`));
  const [download] = await Promise.all([
    payer.page.waitForEvent('download'),
    payer.page.getByRole('link', { name: 'Télécharger pour la banque (CSV)' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  const line = order.lines.find((l) => l.account) ?? order.lines[0];
  assert.ok(csv.includes(line.invoice), 'the CSV names the invoice');
  assert.ok(csv.includes(String(line.amount)), `the CSV holds ${line.amount}`);
  problems.push(...(await check(payer.page, 'paiement', 'ordre')));

  const half = Math.floor(line.amount / 2);
  await payer.page
    .getByRole('button', { name: `Enregistrer un paiement : ${line.facility.name}, facture ${line.invoice}`, exact: true })
    .click();
  await payer.page.getByLabel('Montant (FCFA)').fill(String(half));
  await payer.page.getByLabel('Date du virement').fill('2025-02-07');
  await payer.page.getByLabel('Référence de la banque').fill('VIR-TEST-0001');
  problems.push(...(await check(payer.page, 'paiement', 'paiement-saisi')));
  await payer.page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  const recorded = payer.page.locator('p.ok[role="status"]');
  await recorded.waitFor();
  const paid = await apiAs(env.server.url, 'paiement.diallo', `/api/invoices/${encodeURIComponent(line.invoice)}/payments`);
  assert.equal(paid.state, 'partly_paid');
  assert.equal(paid.balance, line.total - line.paid - half);
  assert.equal(
    plain(await recorded.textContent()),
    plain(`Paiement de ${grouped(half)} FCFA enregistré pour ${line.facility.name} ; reste ${grouped(paid.balance)} FCFA (${paid.stateLabel}).`),
  );
  // The order now asks for what remains.
  const after = payer.page.locator('table.order tbody tr').filter({ hasText: line.invoice });
  assert.equal(plain(await after.locator('td').nth(4).textContent()), `${grouped(line.amount - half)} FCFA`);

  // The bank's statement: the rest of that line and another line paid in full. A first file
  // with a mistyped amount is refused with its line and column; the corrected one is recorded.
  const other = order.lines.find((l) => l.account && l.invoice !== line.invoice);
  assert.ok(other, 'a second line with an account');
  const statement = (amount) =>
    `date,facture,montant,reference\n07/02/2025,${line.invoice},${line.amount - half},VIR-RELEVE-1\n` +
    `07/02/2025,${other.invoice},${amount},VIR-RELEVE-2\n`;
  const file = payer.page.getByLabel('Relevé (CSV)');
  await file.setInputFiles({ name: 'releve-fautif.csv', mimeType: 'text/csv', buffer: Buffer.from(statement(`${other.amount}x`)) });
  await payer.page.getByText(`ligne 3, colonne montant : « ${other.amount}x » n'est pas un montant en francs entiers`).waitFor();
  assert.equal(await payer.page.getByRole('button', { name: 'Enregistrer les 1 paiement(s)' }).isDisabled(), true);
  problems.push(...(await check(payer.page, 'paiement', 'releve-fautif')));
  await file.setInputFiles({ name: 'releve.csv', mimeType: 'text/csv', buffer: Buffer.from(statement(other.amount)) });
  await payer.page.getByText(`2 paiement(s) prêt(s) pour ${grouped(line.amount - half + other.amount)} FCFA`).waitFor();
  problems.push(...(await check(payer.page, 'paiement', 'releve')));
  await payer.page.getByRole('button', { name: 'Enregistrer les 2 paiement(s)' }).click();
  await payer.page.getByText('2 paiement(s) du relevé releve.csv enregistré(s)', { exact: false }).waitFor();
  for (const settled of [line, other]) {
    const state = await apiAs(env.server.url, 'paiement.diallo', `/api/invoices/${encodeURIComponent(settled.invoice)}/payments`);
    assert.equal(state.state, 'paid', settled.invoice);
    assert.equal(state.balance, 0, settled.invoice);
  }
  assert.equal(await payer.page.locator('table.order tbody tr').filter({ hasText: other.invoice }).count(), 0, 'paid: off the order');
  await payer.context.close();

  // The journal: the payments paiement.diallo recorded today, newest first, with the amount and
  // the bank's reference; then cellule.kone's steps of runs, the approval among them.
  const journal = await signIn(env, 'cellule.kone');
  await journal.page.getByRole('link', { name: 'Journal' }).click();
  await journal.page.getByRole('heading', { name: 'Journal des changements' }).waitFor();
  const journalRows = journal.page.locator('table.journal tbody tr');
  await journalRows.first().waitFor();
  for (const kind of ['valeur', 'période', 'calcul', 'récupération', 'compte de paiement', 'contrat']) {
    await journal.page.getByLabel(kind, { exact: true }).uncheck();
  }
  await journal.page.getByLabel('Par (nom de connexion)').fill('paiement.diallo');
  await journal.page.getByLabel('Du', { exact: true }).fill('2025-02-07');
  await journal.page.getByRole('button', { name: 'Afficher' }).click();
  await journal.page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table.journal tbody tr')];
    return rows.length === 3 && rows.every((r) => r.dataset.kind === 'payment');
  });
  const audit = await apiAs(env.server.url, 'cellule.kone', '/api/audit?kind=payment&user=paiement.diallo&from=2025-02-07');
  assert.equal(audit.events.length, 3, JSON.stringify(audit.events));
  assert.equal(await journalRows.count(), 3);
  const newest = plain(await journalRows.first().textContent());
  assert.ok(newest.includes('paiement.diallo') && newest.includes(audit.events[0].reason), newest);
  assert.ok(newest.includes(`${grouped(Number(audit.events[0].after))} FCFA`), newest);
  problems.push(...(await check(journal.page, 'cellule', 'journal-paiements')));
  await journal.page.getByLabel('paiement', { exact: true }).uncheck();
  await journal.page.getByLabel('calcul', { exact: true }).check();
  await journal.page.getByLabel('Par (nom de connexion)').fill('cellule.kone');
  await journal.page.getByRole('button', { name: 'Afficher' }).click();
  await journal.page.locator('table.journal tbody tr[data-kind="run"]').filter({ hasText: 'approuvé' }).filter({ hasText: 'cellule.kone' }).first().waitFor();
  await journal.context.close();

  assert.deepEqual(problems, []);
});

// The administrator creates a district team account; its first sign-in sees that district alone.
test('an administrator creates a district account that sees its district only', async () => {
  const problems = [];
  const admin = await signIn(env, 'admin');
  await admin.page.getByRole('link', { name: 'Comptes' }).click();
  await admin.page.getByRole('heading', { name: 'Comptes et rôles' }).waitFor();
  await admin.page.getByLabel('Identifiant').fill('district.kolokani');
  await admin.page.getByLabel('Nom complet').fill('Awa Coulibaly');
  await admin.page.getByLabel('Premier mot de passe').fill('Kolokani-2025-fevrier');
  await admin.page.getByLabel('Rôle', { exact: true }).selectOption('district_team');
  await admin.page.getByLabel('Périmètre : cherchez un lieu par son nom').fill('Kolokani');
  await admin.page.getByRole('button', { name: 'District sanitaire de Kolokani', exact: true }).click();
  await admin.page.getByText('Périmètre choisi : District sanitaire de Kolokani').waitFor();
  problems.push(...(await check(admin.page, 'admin', 'comptes')));
  await admin.page.getByRole('button', { name: 'Créer le compte' }).click();
  await admin.page.getByRole('heading', { name: 'Awa Coulibaly (district.kolokani)' }).waitFor();
  await admin.page.getByText(/^Équipe de district ou de région sur District sanitaire de Kolokani \(donné par admin/).waitFor();
  await admin.page.getByRole('cell', { name: 'compte créé' }).first().waitFor();
  problems.push(...(await check(admin.page, 'admin', 'compte')));
  await admin.context.close();

  // The new account's first sign-in: its home is Kolokani's alone.
  const context = await env.browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/connexion`);
  await page.getByLabel("Nom d'utilisateur").fill('district.kolokani');
  await page.getByLabel('Mot de passe').fill('Kolokani-2025-fevrier');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: 'Bonjour Awa Coulibaly' }).waitFor();
  await page.getByText('Votre périmètre : District sanitaire de Kolokani').waitFor();
  await page.locator('table.quarters').waitFor();
  // What the API gives this account: Kolokani's facilities and nothing else.
  const login = await fetch(`${env.server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'district.kolokani', password: 'Kolokani-2025-fevrier' }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const get = async (path) => (await fetch(`${env.server.url}${path}`, { headers: { Cookie: cookie } })).json();
  const overview = await get('/api/overview?limit=100');
  assert.deepEqual(overview.districts.map((d) => d.name), ['District sanitaire de Kolokani']);
  const within = await get('/api/org-units?within=DS_KOLOKANI&pageSize=1000');
  const kolokani = new Set(within.orgUnits.map((u) => u.id));
  for (const row of [...overview.best, ...overview.last]) assert.ok(kolokani.has(row.facility.id), row.facility.name);
  const tasks = await get('/api/tasks');
  for (const group of tasks.groups) for (const item of group.items) assert.ok(kolokani.has(item.facility.id), item.facility.name);
  assert.equal((await fetch(`${env.server.url}/api/facilities/CSCOM_KATI_KOKO_II`, { headers: { Cookie: cookie } })).status, 404);
  const circles = await page.locator('figure.map circle').count();
  assert.equal(circles, 1);
  problems.push(...(await check(page, 'admin', 'premier-acces-district')));
  await context.close();

  // A role over a group of facilities: the administrator gives district.kolokani the observer
  // role over the facilities under contract, wherever they are.
  const groups = (await apiAs(env.server.url, 'admin', '/api/org-unit-groups')).groups;
  const contracted = groups.find((g) => g.code === 'FBR_SOUS_CONTRAT');
  assert.ok(contracted, JSON.stringify(groups));
  const again = await signIn(env, 'admin');
  // Opened by its address (a sign-in name has a dot: still the app's page, not a file).
  await again.page.goto(`${env.server.url}/utilisateurs/district.kolokani`);
  await again.page.getByRole('heading', { name: 'Awa Coulibaly (district.kolokani)' }).waitFor();
  await again.page.locator('#grant-role').selectOption('viewer');
  await again.page.getByLabel('un groupe de structures').check();
  await again.page.getByLabel('Groupe', { exact: true }).selectOption({ label: contracted.name });
  await again.page.getByText(`Périmètre choisi : ${contracted.name}`).waitFor();
  problems.push(...(await check(again.page, 'admin', 'role-sur-groupe')));
  await again.page.getByRole('button', { name: 'Donner le rôle' }).click();
  await again.page.getByText(new RegExp(`^Observateur sur ${contracted.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)).waitFor();
  const account = await apiAs(env.server.url, 'admin', '/api/users/district.kolokani');
  assert.ok(
    account.roles.some((r) => r.role === 'viewer' && r.scope.kind === 'group' && r.scope.id === contracted.id),
    JSON.stringify(account.roles),
  );
  await again.context.close();

  assert.deepEqual(problems, []);
});

// What the demo program pays an invoice when the quantity package pays `extra` francs more
// (programme.toml): the quantity amount, plus the equity bonus (the facility's rate, 0 to 30 %)
// and the quality bonus (a quarter of the quantity times the score, from a score of 50), each
// rounded to the franc as on the invoice.
function francs(x) {
  const whole = Math.trunc(x);
  if (Math.abs(Math.abs(x - whole) - 0.5) <= 1e-11 * Math.max(1, Math.abs(x))) return whole + (x < 0 ? -1 : 1);
  return Math.sign(x) * Math.round(Math.abs(x));
}
function invoiceParts(invoice, activity) {
  let quantity = 0, paid = 0, equity = 0, score = 0;
  for (const line of invoice.lines) {
    if (line.kind === 'subtotal' && line.package === 'quantite') quantity += line.amount;
    if (line.kind === 'activity' && line.package === 'quantite' && line.code === activity && line.columns[3] > 0) {
      paid += line.amount / line.columns[3]; // the amount is the quantity paid times the tariff column
    }
    if (line.kind === 'payment' && line.code === 'bonus_equite') equity = line.amount;
    if (line.kind === 'info' && line.code === 'score_qualite') score = line.value;
  }
  const rate = quantity === 0 ? 0 : Math.round((equity / quantity) * 20) / 20;
  const pays = (q) => q + francs(q * rate) + (score >= 50 ? francs((q * 0.25 * score) / 100) : 0);
  return { quantity, paid, pays };
}

// The national unit tries a tariff on the quarter's reference run (the run approved above): the
// test computes what the change costs from that run's invoices (the CPN1 tariff's difference
// times the quantities paid, with the bonuses that follow the quantity and the envelopes that cap
// a district), and the page shows the same change, nationally and for the region.
test('the national unit changes a tariff in simulation and sees the totals move', async () => {
  const problems = [];
  const { context, page } = await signIn(env, 'cellule.kone');
  await page.getByRole('link', { name: 'Programme' }).click();
  await page.getByRole('heading', { name: 'Programme et simulation' }).waitFor();
  await page.getByText(/^Recalculé en \d+ ms, dont \d+ ms de calcul sur le serveur \(0 changement/).waitFor({ timeout: 60000 });
  const quarter = await page.getByLabel('Période').inputValue();
  const cell = page.getByLabel('tariff pour cpn1', { exact: true });
  assert.equal(await cell.inputValue(), '1000');
  await cell.fill('1200');
  await page.getByText(/^Recalculé en \d+ ms, dont \d+ ms de calcul sur le serveur \(1 changement/).waitFor({ timeout: 60000 });
  problems.push(...(await check(page, 'cellule', 'programme-simulation')));

  // The reference run's invoices, read one by one, and the quarter's envelopes.
  const api = await sessionAs(env.server.url, 'cellule.kone');
  const runs = (await api.get('/api/runs')).runs.filter((r) => r.period === quarter && r.status === 'approved');
  assert.equal(runs.length, 1, JSON.stringify(runs));
  const reference = runs[0];
  const rows = (await api.get(`/api/invoices?run=${reference.id}&pageSize=1000`)).invoices;
  assert.equal(rows.length, reference.invoices);
  const invoices = [];
  for (let i = 0; i < rows.length; i += 16) {
    invoices.push(...(await Promise.all(rows.slice(i, i + 16).map((r) => api.get(`/api/invoices/${encodeURIComponent(r.number)}`)))));
  }
  const program = await api.get('/api/programs/FBR_MALI/versions/1');
  const envelopes = new Map(
    program.files['enveloppes.csv']
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .filter(([, period]) => period === quarter)
      .map(([zone, , amount]) => [zone, Number(amount)]),
  );
  let paidCpn1 = 0;
  const districts = new Map();
  for (const invoice of invoices) {
    const { quantity, paid, pays } = invoiceParts(invoice, 'cpn1');
    // The model pays what the invoice pays before its envelope's cut, to the franc.
    assert.equal(pays(quantity), invoice.amounts.rounded, invoice.number);
    paidCpn1 += paid;
    const d = districts.get(invoice.district.code) ?? { asked: 0, paid: 0, asks: 0 };
    d.asked += invoice.amounts.rounded;
    d.paid += invoice.total;
    d.asks += pays(quantity + 200 * paid);
    districts.set(invoice.district.code, d);
  }
  assert.ok(paidCpn1 > 0);
  let change = 0;
  for (const [code, d] of districts) {
    const envelope = envelopes.get(code);
    const cap = (asked) => (envelope !== undefined && asked > envelope ? envelope : asked);
    assert.equal(cap(d.asked), d.paid, code); // the envelopes cut as the run did
    change += cap(d.asks) - d.paid;
  }
  assert.ok(change > 0);

  // The page shows that change, for the country and for its one region, and the quantity's.
  assert.equal(plain(await page.locator('.totals strong.difference').textContent()), `+${grouped(change)} FCFA`);
  const region = page.locator('table.regions tbody > tr').first();
  const cells = (await region.locator('td').allTextContents()).map(plain);
  assert.deepEqual(cells.slice(0, 5), [
    `${grouped(reference.total)} FCFA`, // the reference run
    `${grouped(reference.total)} FCFA`, // the same facilities on the current data: unchanged since
    `${grouped(reference.total + change)} FCFA`,
    `+${grouped(change)} FCFA`,
    `+${grouped(200 * paidCpn1)} FCFA`, // the quantity package, before bonuses and envelopes
  ]);
  assert.match(plain(await page.getByTestId('package-quantite').textContent()), new RegExp(`\\(\\+${grouped(200 * paidCpn1)} FCFA\\)`));
  assert.match(
    plain(await page.getByText(/^Calcul de référence n° \d+/).textContent()),
    new RegExp(`^Calcul de référence n° ${reference.id} \\(approuvé, version 1\\) : ${grouped(reference.total)} FCFA pour ${grouped(reference.invoices)} structures`),
  );
  // The facilities moved most, largest change first; outside a district cut by its envelope,
  // each change is the one its invoice gives.
  const shown = await page
    .locator('table.affected tbody > tr')
    .evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('th a').getAttribute('href'), r.querySelector('th').textContent, r.querySelectorAll('td')[3].textContent]),
    );
  assert.ok(shown.length > 0 && shown.length <= 10, JSON.stringify(shown));
  const byPage = new Map(invoices.map((invoice) => [`/structures/${invoice.facility.id}`, invoice]));
  let previous = Infinity;
  for (const [href, name, text] of shown) {
    const moved = Number(plain(text).replace(/[ +]|FCFA/g, '').replace('\u2212', '-'));
    assert.ok(Math.abs(moved) <= previous, `${name}: ${text}`);
    previous = Math.abs(moved);
    const invoice = byPage.get(href);
    assert.ok(invoice, `${name}: ${href}`);
    const envelope = envelopes.get(invoice.district.code);
    if (envelope === undefined || districts.get(invoice.district.code).asks <= envelope) {
      const { quantity, paid, pays } = invoiceParts(invoice, 'cpn1');
      assert.equal(moved, pays(quantity + 200 * paid) - invoice.amounts.rounded, name);
    }
  }
  // A facility's name leads to its card.
  const card = await context.newPage();
  await card.goto(`${env.server.url}${shown[0][0]}`);
  await card.getByRole('heading', { level: 1, name: shown[0][1].trim() }).waitFor();
  await card.close();

  // A formula edited in place is checked as one types, its problem named; put back, nothing is.
  await page.locator('summary').filter({ hasText: /^Quantité \(mensuel\)/ }).click();
  const montant = page.getByLabel('Expression de la formule montant', { exact: true });
  assert.equal(await montant.inputValue(), 'paye * tariff');
  await montant.fill('paye * tarif');
  const formulaProblem = page.locator('section[aria-labelledby="rules-title"] .notice.error');
  await formulaProblem.waitFor({ timeout: 30000 });
  assert.match(plain(await formulaProblem.textContent()), /tarif/);
  problems.push(...(await check(page, 'cellule', 'programme-formule')));
  await montant.fill('paye * tariff');
  await formulaProblem.waitFor({ state: 'detached' });

  // The change becomes version 2, valid from April 2025, after the checks of `program load`.
  await page.getByLabel('Valable à partir du', { exact: true }).fill('2025-04-01');
  await page.getByText('Contrôles passés : prêt à enregistrer la version 2.').waitFor({ timeout: 30000 });
  problems.push(...(await check(page, 'cellule', 'programme-nouvelle-version')));
  await page.getByRole('button', { name: 'Enregistrer la version 2' }).click();
  await page.getByText('FBR Mali (programme de démonstration), version 2 enregistrée.').waitFor();
  const version = await apiAs(env.server.url, 'cellule.kone', '/api/programs/FBR_MALI/versions/2');
  assert.equal(version.validFrom, '2025-04-01');
  assert.match(version.files['tarifs.csv'], /^cpn1,1200$/m);
  assert.equal(
    version.files['tarifs.csv'].replace(/^cpn1,1200$/m, 'cpn1,1000'),
    (await apiAs(env.server.url, 'cellule.kone', '/api/programs/FBR_MALI/versions/1')).files['tarifs.csv'],
  );
  await context.close();
  assert.deepEqual(problems, []);
});
