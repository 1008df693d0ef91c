// The status page in a real browser: Debian's chromium, headless, driven by
// playwright-core (no browser download; executablePath /usr/bin/chromium).
// Three real daemons on 127.0.2.41..43 (gossip :18600, gRPC :18620,
// metrics and the page :18640). The page of node-1 must list all three
// ALIVE, filter by a tag, and, after node-3 is crashed (SIGKILL), show it
// SUSPECT in the table and in the transitions log, read from the rendered
// DOM. A screenshot goes to the test's undeclared outputs
// (bazel-testlogs/tests/node/status_page_test/test.outputs/).
//
// Run by //tests/node:status_page_test; by hand:
//   PHID_BINARY=bazel-bin/server/phid node --test tests/node/status_page_test.js
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, test} = require('node:test');
const {chromium} = require('playwright-core');

const {PhidDaemon} = require('./phid_process');

const PHID = process.env.PHID_BINARY;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = process.env.TEST_UNDECLARED_OUTPUTS_DIR ||
    fs.mkdtempSync(path.join(os.tmpdir(), 'phid-status-test-'));
const PORTS = {gossipPort: 18600, grpcPort: 18620, metricsPort: 18640};
const PAGE = 'http://127.0.2.41:18640/';

let daemons = [];
let browser = null;

async function peersOf(url) {
  try {
    const response = await fetch(`${url}v1/peers`);
    return response.ok ? await response.json() : null;
  } catch {
    return null;  // not listening yet
  }
}

before(async () => {
  assert.ok(PHID, 'PHID_BINARY must name the phid binary');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run tools/setup.sh`);
  const seeds = ['127.0.2.41:18600'];
  const tags = ['role=db,zone=a', 'role=web,zone=a', 'role=web,zone=b'];
  daemons = [1, 2, 3].map((i) => new PhidDaemon({
    binary: PHID, name: `node-${i}`, ip: `127.0.2.4${i}`, ...PORTS, seeds,
    logDir: OUT_DIR, flags: [`--tags=${tags[i - 1]}`],
  }));
  await Promise.all(daemons.map((d) => d.start()));
  const deadline = Date.now() + 15000;
  for (;;) {
    const peers = await peersOf(PAGE);
    if (peers && peers.counts.alive === 3) break;
    assert.ok(Date.now() < deadline, `node-1 never saw 3 alive members: ${JSON.stringify(peers)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The flags that keep Chromium off the (closed) network and working as
    // root in a container.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const d of daemons) {
    if (d.child && d.child.exitCode === null && d.child.signalCode === null) await d.kill();
  }
});

test('the page shows every member, filters by tag, and turns a crashed one SUSPECT', async () => {
  const context = await browser.newContext({viewport: {width: 1180, height: 400}});
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));

  // Short sparkline window and fast polls, so the test is quick and the
  // screenshot shows phi rising.
  await page.goto(`${PAGE}?interval_ms=250&history_s=12`);
  for (const name of ['node-1', 'node-2', 'node-3']) {
    await page.waitForSelector(`tr[data-name="${name}"][data-state="ALIVE"]`, {timeout: 10000});
  }
  assert.equal(await page.locator('#rows tr').count(), 3);
  assert.match(await page.textContent('#summary'), /^3 members: 3 alive, 0 suspect, 0 failed, 0 left/);
  assert.match(await page.textContent('#self'), /node-1/);

  // The filter box: a tag, then back to all.
  await page.fill('#filter', 'role=web');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 2);
  assert.deepEqual(await page.$$eval('#rows tr', (rows) => rows.map((r) => r.dataset.name)),
      ['node-2', 'node-3']);
  await page.fill('#filter', '');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 3);
  await page.waitForTimeout(2000);  // some history before the crash, for the picture

  const killedAt = Date.now();
  await daemons[2].kill();
  await page.waitForSelector('tr[data-name="node-3"][data-state="SUSPECT"]', {timeout: 10000});
  const detectedMs = Date.now() - killedAt;
  await page.waitForSelector('#events li[data-name="node-3"][data-state="SUSPECT"]', {timeout: 5000});
  const row = await page.textContent('tr[data-name="node-3"]');
  assert.match(row, /SUSPECT/);
  assert.match(await page.textContent('#summary'), /^3 members: 2 alive, 1 suspect, 0 failed, 0 left/);
  for (const name of ['node-1', 'node-2']) {
    assert.equal(await page.getAttribute(`tr[data-name="${name}"]`, 'data-state'), 'ALIVE');
  }
  const log = await page.textContent('#events');
  assert.match(log, /node-3\s+ALIVE → SUSPECT\s+crossed_threshold/);
  console.log(`[status_page] node-3 SUSPECT on the page ${detectedMs} ms after SIGKILL`);

  await page.waitForTimeout(1500);  // phi's climb in the sparkline
  const shot = path.join(OUT_DIR, 'status_page.png');
  await page.screenshot({path: shot, fullPage: true});
  console.log(`[status_page] screenshot: ${shot}`);

  assert.deepEqual(errors, [], 'the page logged errors');
  const foreign = requests.filter((url) => !url.startsWith(PAGE));
  assert.deepEqual(foreign, [], 'the page requested something from elsewhere');
  await context.close();
});
