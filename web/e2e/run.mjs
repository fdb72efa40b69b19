// The dashboard in a real browser (Debian's chromium through playwright-core) against a real
// `corroborate serve` holding the bundled examples, ingested by the real binary as the quick start
// does. Checks that each view renders what the API says, that filters filter, that a workflow
// change is persisted (read back through GetFindings, and again after a reload), that the page asks
// for a token when it has none, and that the incident list works from the keyboard. Screenshots go
// to $E2E_ARTIFACTS (default web/e2e/artifacts/).
//
//   node e2e/run.mjs            (CORROBORATE_BIN, default ../build/corroborate; CHROMIUM, default
//                                /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bin = process.env.CORROBORATE_BIN || join(root, 'build', 'corroborate');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.E2E_ARTIFACTS || join(here, 'artifacts');
const webDir = join(root, 'web', 'dist');
const NOW = '2026-11-23T00:00:00Z';
const TOKEN = 'e2e-token-0123456789abcdef';
const TIMEOUT = 20_000;

let failures = 0;
const results = [];
let onFailure = async () => {};
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    results.push(`FAIL ${name}: ${e.stack || e}`);
    await onFailure(name).catch(() => {});
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function startServer(dataDir, tokensFile, portFile) {
  const server = spawn(
    bin,
    ['--data-dir', dataDir, '--now', NOW, 'serve', '--port', '0', '--port-file', portFile,
      '--bearer-tokens', tokensFile, '--web-dir', webDir, '--no-access-log'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stderr.on('data', (d) => (log += d));
  server.stdout.on('data', (d) => (log += d));
  return {
    server,
    log: () => log,
    port: async () => {
      const deadline = Date.now() + TIMEOUT;
      while (Date.now() < deadline) {
        if (server.exitCode !== null) throw new Error(`corroborate serve exited: ${log}`);
        if (existsSync(portFile)) {
          const text = readFileSync(portFile, 'utf8').trim();
          if (text) return Number(text);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`corroborate serve did not start: ${log}`);
    },
  };
}

async function main() {
  assert(existsSync(join(webDir, 'index.html')), `no built front end in ${webDir}: run npm run build`);
  assert(existsSync(bin), `no corroborate binary at ${bin}`);
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'corroborate-e2e-'));
  const dataDir = join(tmp, 'data');
  const ingest = spawnSync(bin, ['--data-dir', dataDir, '--now', NOW, 'ingest', '--quiet', join(root, 'examples')], {
    encoding: 'utf8',
  });
  assert(ingest.status === 0, `ingest of examples/ failed: ${ingest.stderr}`);
  const tokensFile = join(tmp, 'tokens');
  writeFileSync(tokensFile, `e2e ${TOKEN}\n`, { mode: 0o600 });
  const running = startServer(dataDir, tokensFile, join(tmp, 'port'));
  const base = `http://127.0.0.1:${await running.port()}`;

  // The API, to compare the page with.
  const api = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
    return data;
  };
  const activeIncidents = async () =>
    (
      await api('POST', '/findings', {
        Filters: {
          ProductName: [{ Value: 'Corroborate', Comparison: 'EQUALS' }],
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        },
        MaxResults: 100,
      })
    ).Findings;

  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-extensions', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  onFailure = (name) => shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);

  try {
    await check('the page asks for a token when it has none, and works once given one', async () => {
      await page.goto(`${base}/#/incidents`);
      const prompt = page.getByLabel('Bearer token');
      await prompt.waitFor();
      await shot('token-prompt');
      await prompt.fill(TOKEN);
      await page.getByRole('button', { name: 'Use it' }).click();
      await page.locator('section[aria-label="Incidents"] li').first().waitFor();
    });

    await check('incidents: the example incidents, each with its evidence, explanation and graph', async () => {
      const expected = await activeIncidents();
      assert(expected.length >= 3, `the examples make incidents (${expected.length})`);
      await page.goto(`${base}/?token=${TOKEN}#/incidents`);
      const rows = page.locator('section[aria-label="Incidents"] li');
      await rows.first().waitFor();
      await page.getByRole('heading', { name: `Incidents (${expected.length})` }).waitFor();
      assert(!page.url().includes('token='), 'the token is removed from the URL');
      const titles = await rows.allInnerTexts();
      for (const f of expected) {
        assert(titles.some((t) => t.includes(f.Title)), `incident "${f.Title}" is listed`);
      }
      // The most severe and newest first, as the API sorted.
      await rows.first().getByRole('button').click();
      const detail = page.locator('section[aria-label="Incident"]');
      await detail.getByRole('heading', { name: 'Evidence' }).waitFor();
      const timeline = detail.locator('ol[aria-label="Evidence in time order"] li');
      await timeline.first().waitFor();
      const openTitle = await detail.locator('h2').first().innerText();
      const open = expected.find((f) => openTitle.includes(f.Title));
      assert(open, `the opened incident is one of the API's: ${openTitle}`);
      assert((await timeline.count()) === open.RelatedFindings.length,
        `timeline shows ${await timeline.count()} of ${open.RelatedFindings.length} related findings`);
      await detail.locator('.explanation .fires').waitFor();
      await detail.locator('svg.graph, p.muted').first().waitFor();
      await shot('incident');
    });

    await check('workflow: a change is persisted through BatchUpdateFindings', async () => {
      const detail = page.locator('section[aria-label="Incident"]');
      const openTitle = await detail.locator('h2').first().innerText();
      const target = (await activeIncidents()).find((f) => openTitle.includes(f.Title));
      await detail.getByLabel('Note').fill('paged the on-call engineer (e2e)');
      await detail.getByLabel('Your name').fill('e2e');
      await detail.getByRole('button', { name: 'Notified' }).click();
      await detail.locator('.workflow .wf-notified').waitFor();
      const stored = (await activeIncidents()).find((f) => f.Id === target.Id);
      assert(stored.Workflow.Status === 'NOTIFIED', `stored status ${stored.Workflow.Status}`);
      assert(stored.Note.Text === 'paged the on-call engineer (e2e)' && stored.Note.UpdatedBy === 'e2e',
        `stored note ${JSON.stringify(stored.Note)}`);
      await page.reload();
      await page.locator('section[aria-label="Incident"] .workflow .wf-notified').waitFor();
      await page.getByText('Note by e2e: paged the on-call engineer (e2e)').waitFor();
      await shot('incident-notified');
    });

    await check('incidents work from the keyboard', async () => {
      await page.goto(`${base}/#/incidents`);
      const buttons = page.locator('section[aria-label="Incidents"] li button');
      await buttons.first().waitFor();
      await buttons.nth(1).focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /#\/incidents\/.+/.test(location.hash));
      await page.locator('section[aria-label="Incident"] .explanation').waitFor();
      // Every button and form field has a name a screen reader can say.
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('button, input, select, textarea')]
          .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()))
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      assert(unnamed.length === 0, `controls without a name: ${unnamed.join(', ')}`);
    });

    await check('findings: filters filter, counts agree with the API, the JSON opens', async () => {
      const all = await api('POST', '/dashboard/counts', { Filters: {} });
      await page.goto(`${base}/#/findings`);
      await page.getByRole('heading', { name: `Findings (${all.Total})` }).waitFor();
      const filters = page.locator('form[aria-label="Filters"]');
      await filters.getByLabel('Field').fill('ProductName');
      await filters.getByLabel('Value').fill('GuardDuty');
      await filters.getByRole('button', { name: 'Add filter' }).click();
      const guardduty = await api('POST', '/dashboard/counts', {
        Filters: { ProductName: [{ Value: 'GuardDuty', Comparison: 'EQUALS' }] },
      });
      assert(guardduty.Total > 0 && guardduty.Total < all.Total, 'GuardDuty is some of the findings');
      await page.getByRole('heading', { name: `Findings (${guardduty.Total})` }).waitFor();
      const products = await page.locator('table.table tbody tr td:nth-child(3)').allInnerTexts();
      assert(products.length === Math.min(25, guardduty.Total), `rows: ${products.length}`);
      assert(products.every((p) => p === 'GuardDuty'), `products shown: ${products.join(', ')}`);
      assert(page.url().includes('f='), 'the filter is in the URL, so it can be bookmarked');
      await page.locator('table.table tbody tr button.link').first().click();
      await page.locator('section[aria-label="Finding JSON"]').getByText('"ProductName"').first().waitFor();
      await shot('findings-guardduty');
      await page.getByRole('button', { name: /Remove filter/ }).click();
      await page.getByRole('heading', { name: `Findings (${all.Total})` }).waitFor();
    });

    await check('resources: relations, findings and every rule on one resource', async () => {
      const incident = (await activeIncidents())[0];
      const id = incident.Resources[0].Id;
      const view = await api('GET', `/dashboard/resources/${encodeURIComponent(id)}`);
      await page.goto(`${base}/#/resources/${encodeURIComponent(id)}`);
      await page.getByRole('heading', { name: `Findings (${view.Findings.length})` }).waitFor();
      await page.locator('section[aria-label="Rules"] .explanation .fires').first().waitFor();
      await shot('resource');
    });

    await check('rules: listed with their incidents; a copy tried on history', async () => {
      const rules = (await api('GET', '/dashboard/rules')).Rules;
      await page.goto(`${base}/#/rules`);
      for (const r of rules) await page.getByText(r.Id, { exact: true }).first().waitFor();
      const fired = rules.find((r) => r.Active > 0);
      const row = page.locator('tr', { has: page.getByText(fired.Id, { exact: true }) });
      await row.getByRole('button', { name: 'try a copy on history' }).click();
      await page.getByRole('button', { name: 'Run over the stored findings' }).click();
      await page.getByText(new RegExp(`Would fire on ${fired.Active}\\b`)).waitFor();
      await page.getByLabel('Rule (YAML, docs/rules.md)').fill('id: broken\ntitle: t\nconditions:\n  a: {filter: {Nope: 1}}\n');
      await page.getByRole('button', { name: 'Run over the stored findings' }).click();
      await page.getByText(/line 4: .*Nope/).waitFor();
      await shot('rules');
    });

    await check('live: a new finding shows up without a reload', async () => {
      await page.goto(`${base}/#/findings`);
      const before = (await api('POST', '/dashboard/counts', { Filters: {} })).Total;
      await page.getByRole('heading', { name: `Findings (${before})` }).waitFor();
      const finding = {
        SchemaVersion: '2018-10-08',
        Id: 'e2e-live-finding',
        ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
        GeneratorId: 'e2e',
        AwsAccountId: '111122223333',
        Types: ['Software and Configuration Checks'],
        CreatedAt: '2026-11-22T00:00:00Z',
        UpdatedAt: '2026-11-22T00:00:00Z',
        Severity: { Label: 'LOW' },
        Title: 'A finding that arrived while the page was open',
        Description: 'e2e',
        Resources: [{ Type: 'Other', Id: 'e2e-resource' }],
      };
      const r = await api('POST', '/findings/import', { Findings: [finding] });
      assert(r.SuccessCount === 1, JSON.stringify(r));
      await page.getByRole('heading', { name: `Findings (${before + 1})` }).waitFor({ timeout: 15_000 });
    });

    await check('no errors in the page', async () => {
      assert(pageErrors.length === 0, pageErrors.join('\n'));
    });
  } finally {
    await browser.close();
    running.server.kill('SIGTERM');
    await new Promise((r) => running.server.once('exit', r));
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(results.join('\n'));
  console.log(`screenshots in ${artifacts}`);
  if (failures) {
    console.log(`server log (tail):\n${running.log().slice(-3000)}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
