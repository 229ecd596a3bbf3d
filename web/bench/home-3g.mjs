// The district team's home page over a 3G connection (issue 11, acceptance 4): a real `keneya
// serve` on the national demo, Debian's chromium with its network throttled to 1.6 Mbit/s down,
// 750 kbit/s up and 300 ms per round trip (Chrome DevTools' emulation), a signed-in district
// manager opening the home page with an empty cache. Printed for each load:
//   usable  - from navigation until the page shows what waits for the user, the largest gaps
//             and the quarters' figures (the chart may still be drawing);
//   floor   - what no page could beat on that line: the bytes transferred until then at
//             1.6 Mbit/s, plus the round trips its requests needed one after the other (a
//             request that had to wait for an earlier answer adds one) times 300 ms. Chrome's
//             emulation delays each request by the round trip, not a connection's handshake: on
//             a real line each new connection adds one more;
//   and the ratio usable / floor. The goal is absolute, since a person perceives it: usable
// under 5 s. The first load follows the server's start (its caches cold); the median is over
// the loads after it.
//
//   node bench/home-3g.mjs --db demo.db [--user district.segou] [--loads 5]
// (scripts/bench-web builds the national demo and the app first; KENEYA_BIN names the program,
// KENEYA_DEMO_PASSWORD the demo accounts' password, as for the browser tests' harness.)
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { launch, password, serve } from '../tests/harness.mjs';

const { values: options } = parseArgs({
  options: {
    db: { type: 'string' },
    user: { type: 'string', default: 'district.segou' },
    loads: { type: 'string', default: '5' },
  },
});
if (!options.db) {
  console.error('usage: node bench/home-3g.mjs --db FILE [--user NAME] [--loads N]');
  process.exit(2);
}

const DOWN = 1.6e6 / 8; // bytes per second
const UP = 750e3 / 8;
const RTT = 300; // ms

// The round trips a set of requests needed one after the other: a request counts one, plus the
// most any request that ended before it began needed.
function roundTrips(requests) {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  const depth = [];
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let before = 0;
    for (let j = 0; j < i; j++) {
      if (sorted[j].end <= sorted[i].start + 1) before = Math.max(before, depth[j]);
    }
    depth.push(before + 1);
    most = Math.max(most, depth[i]);
  }
  return most;
}

async function load(browser, url, cookie) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 768 } });
  await context.addCookies([{ ...cookie, url }]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: RTT,
    downloadThroughput: DOWN,
    uploadThroughput: UP,
  });
  const finished = [];
  page.on('requestfinished', (request) => {
    finished.push(
      request.sizes().then((sizes) => {
        const t = request.timing();
        return {
          path: new URL(request.url()).pathname,
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
          start: t.startTime,
          end: t.startTime + t.responseEnd,
        };
      }),
    );
  });
  const begin = Date.now();
  await page.goto(`${url}/`, { waitUntil: 'commit' });
  await page.getByRole('heading', { name: 'Ce qui vous attend' }).waitFor({ timeout: 120000 });
  await page.locator('section.group, #tasks-title ~ p').first().waitFor({ timeout: 120000 });
  await page.locator('#gaps-title').waitFor({ timeout: 120000 });
  await page.locator('table.quarters, #quarters-title ~ p').first().waitFor({ timeout: 120000 });
  const usable = Date.now() - begin;
  await page.locator('.chart canvas').first().waitFor({ timeout: 120000 });
  const chart = Date.now() - begin;
  await page.waitForLoadState('networkidle');
  const requests = await Promise.all(finished);
  await context.close();
  const until = requests.filter((r) => r.end <= begin + usable);
  const bytes = until.reduce((sum, r) => sum + r.bytes, 0);
  const trips = roundTrips(until);
  const floor = (bytes / DOWN) * 1000 + trips * RTT;
  return {
    usable,
    chart,
    floor,
    bytes,
    trips,
    requests: until.length,
    all: requests.reduce((sum, r) => sum + r.bytes, 0),
    paths: until.map((r) => `${(r.bytes / 1024).toFixed(1)} KB ${r.path}`),
  };
}

const seconds = (ms) => (ms / 1000).toFixed(2);
const server = await serve(options.db, 60000);
const browser = await launch();
try {
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: options.user, password }),
  });
  if (!login.ok) throw new Error(`login ${options.user}: ${login.status} ${await login.text()}`);
  const [name, value] = login.headers.get('set-cookie').split(';')[0].split('=');
  console.log(`machine: ${cpus().length} cores (${cpus()[0].model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; chromium ${browser.version()}`);
  console.log(`page: ${options.user}'s home, ${options.db}; network 1.6 Mbit/s down, 750 kbit/s up, ${RTT} ms round trip`);
  const results = [];
  const loads = Number(options.loads);
  for (let i = 0; i < loads; i++) {
    const r = await load(browser, server.url, { name, value });
    results.push(r);
    console.log(
      `load ${i + 1}${i === 0 ? ' (server just started)' : ''}: usable ${seconds(r.usable)} s, ` +
        `floor ${seconds(r.floor)} s (${(r.bytes / 1024).toFixed(1)} KB in ${r.requests} requests, ` +
        `${r.trips} round trips), ratio ${(r.usable / r.floor).toFixed(2)}; chart drawn ${seconds(r.chart)} s; ` +
        `${(r.all / 1024).toFixed(1)} KB in all`,
    );
    if (i === 0) for (const p of r.paths) console.log(`    ${p}`);
  }
  const after = results.slice(1).length > 0 ? results.slice(1) : results;
  const median = (key) => {
    const sorted = after.map((r) => r[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const usable = median('usable');
  const floor = median('floor');
  console.log(
    `median of ${after.length}: usable ${seconds(usable)} s, floor ${seconds(floor)} s, ratio ${(usable / floor).toFixed(2)}; ` +
      `goal under 5 s: ${usable < 5000 ? 'met' : 'NOT met'}`,
  );
} finally {
  await browser.close();
  await server.stop();
}
