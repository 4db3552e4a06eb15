import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, expectStatus } from './helpers/pipes.js';
import { startConsole, type RunningConsole } from '../src/console/console-server.js';
import { CHROMIUM_ARGS, ensureChromium } from '../scripts/stack/chromium.js';
import { LOCAL_SOURCE_PASSWORD } from '../scripts/stack/mariadb.js';

/**
 * The web console in headless Chromium, following the user's guide word for
 * word: Data Sources → the pipe → Settings → Resync → confirm → Metrics
 * shows Setup or Snapshot without a reload → Tables shows Initial Load Stats
 * growing → Resync → Running, and the destination equals the source. Also
 * pause and resume from the page, a failed pipe's error, the token sign-in,
 * and no password in any page or API response. Screenshots of each tab go
 * to the test's output folder.
 */
describe('the web console, following the guide', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let web: RunningConsole;
  let browser: Browser;
  let page: Page;
  const seen: string[] = [];
  const pipe = 'guide';
  const dst = () => `dst_${world.id}`;
  const shots = () => join(world.env.workDir, `console-${world.id}`);

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(shots(), `${name}.png`), fullPage: true });
  }

  /** Waits for `text` in the element `selector`, the page refreshing itself (never reloaded here). */
  async function waitText(selector: string, text: RegExp, timeout = 60_000): Promise<string> {
    await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout });
    return (await page.locator(selector).first().innerText()).trim();
  }

  const tab = (name: 'Metrics' | 'Tables' | 'Settings') => page.getByRole('tab', { name }).click();

  before(async () => {
    const executablePath = ensureChromium();
    world = await TestWorld.create('console');
    mkdirSync(shots(), { recursive: true });
    await world.root.query('CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL, note VARCHAR(40))');
    await world.root.query("INSERT INTO orders SELECT seq, seq / 100, CONCAT('order ', seq) FROM seq_1_to_120000");
    worker = await world.startWorker();
    // A paced load: the resync takes about 8 s, long enough to watch while the
    // page refreshes every 2 s on a loaded machine (at 4 s, a CI run once saw
    // no count below the last load's within 30 s).
    await world.client.create(
      world.config({ name: pipe, destination: { database: dst() }, tables: ['orders'], settings: { snapshotRowsPerPartition: 10_000, snapshotParallelThreads: 2, maxRowsPerSecond: 15_000 } }),
    );
    await expectStatus(world, pipe, 'Running', 120_000);
    web = await startConsole({ client: world.client, host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Every API answer and page the browser gets, to look for secrets.
    page.on('response', (r) => {
      if (r.url().startsWith(web.url)) void r.text().then((t) => seen.push(t), () => undefined);
    });
  });

  after(async () => {
    await browser?.close();
    await web?.close();
    await world.client.drop(pipe).catch(() => undefined);
    await world.client.drop('broken').catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('Data Sources → the pipe → Settings → Resync → confirm → Setup/Snapshot → Initial Load Stats → Resync → Running', async () => {
    await page.goto(web.url);
    await waitText('main', /Data Sources/);
    const row = page.getByRole('row', { name: new RegExp(pipe) });
    await row.getByText('Running').waitFor();
    await shot('1-data-sources');
    await row.getByRole('link', { name: pipe }).click();
    await waitText('#metrics-status', /Running/);
    await tab('Settings');
    await page.getByRole('button', { name: 'Resync', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/reloaded from the source/).waitFor();
    await shot('2-settings-resync-dialog');
    const asked = Date.now();
    await dialog.getByRole('button', { name: 'Resync' }).click();
    await tab('Metrics');
    await waitText('#metrics-status', /Setup|Snapshot/, 10_000);
    assert.ok(Date.now() - asked < 10_000, 'Setup or Snapshot within 10 s');
    await tab('Tables');
    const rows = page.locator('tr[data-table="orders"] .rows-loaded');
    const shown = async () => Number((await rows.innerText()).replace(/,/g, ''));
    // Until the resync's load starts counting afresh (a slow Setup), the tab shows the last load's 120,000 rows.
    let first = await shown();
    for (let i = 0; i < 120 && first >= 120_000; i++) {
      await page.waitForTimeout(250);
      first = await shown();
    }
    let later = first;
    for (let i = 0; i < 40 && later <= first; i++) {
      await page.waitForTimeout(250);
      later = await shown();
    }
    assert.ok(later > first, `Initial Load Stats grow: ${first} → ${later}`);
    await shot('3-tables-initial-load-stats');
    await tab('Metrics');
    await waitText('#metrics-status', /Running/, 120_000);
    await waitText('#recent-statuses', /Resync/);
    const recent = await page.locator('#recent-statuses').innerText();
    assert.match(recent.replace(/\s+/g, ' '), /Setup.*Snapshot.*Resync.*Running/, 'the statuses the guide names, in order');
    await page.locator('#chart-rows').waitFor();
    await shot('4-metrics');
    await world.client.waitForResync(pipe, 60_000);
    await assertSameAsSource(world, dst(), 'orders', ['id', 'amount', 'note'], ['id']);
  });

  it('pauses and resumes the pipe from the page', async () => {
    await tab('Settings');
    await page.getByRole('button', { name: 'Pause' }).click();
    await tab('Metrics');
    await waitText('#metrics-status', /Paused/);
    await tab('Settings');
    await page.getByRole('button', { name: 'Resume' }).click();
    await tab('Metrics');
    await waitText('#metrics-status', /Running/);
  });

  it("shows a failed pipe's error as the user should read it", async () => {
    await world.client.create(world.config({ name: 'broken', destination: { database: `${dst()}_b` }, tables: ['no_such_table'] }));
    await page.goto(`${web.url}/#/`);
    const row = page.getByRole('row', { name: /broken/ });
    await row.getByText('Failed').waitFor({ timeout: 60_000 });
    await row.getByText(/no_such_table/).waitFor();
    await row.getByRole('link', { name: 'broken' }).click();
    const error = await waitText('#last-error', /no_such_table/);
    assert.doesNotMatch(error, /\.(js|ts):\d+:\d+/, 'no stack trace');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${web.url}/#/`);
    await waitText('main', /Data Sources/);
    await shot('5-data-sources-390px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('with a token, refuses a wrong one and lets the right one in; refuses requests from elsewhere', async () => {
    const guarded = await startConsole({ client: world.client, host: '127.0.0.1', port: 0, token: 'let-me-in' });
    try {
      const unsigned = await fetch(`${guarded.url}/api/pipes`);
      assert.equal(unsigned.status, 401);
      await page.goto(guarded.url);
      await page.getByLabel('Console token').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitText('#login-error', /wrong token/);
      await page.getByLabel('Console token').fill('let-me-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('row', { name: new RegExp(pipe) }).waitFor();
      // A state-changing request without the console's header (what another site's form would send) is refused.
      const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const forged = await fetch(`${guarded.url}/api/pipes/${pipe}/pause`, { method: 'POST', headers: { cookie } });
      assert.equal(forged.status, 403);
    } finally {
      await guarded.close();
    }
  });

  it('never shows a password, in any page or API response', async () => {
    await assert.rejects(startConsole({ client: world.client, host: '0.0.0.0', port: 0 }), /PIPES_CONSOLE_TOKEN/);
    assert.ok(seen.length > 20, `${seen.length} responses seen`);
    for (const body of seen) assert.ok(!body.includes(LOCAL_SOURCE_PASSWORD), 'the source password is in a response');
  });
});
