#!/usr/bin/env node
// Open an authdiff HTML report (--html) in headless Chromium from its file:// URL and check it
// the way a person would use it:
//   * it renders with no console error, no uncaught exception and no request but the page;
//   * the access matrix has one row per operation and one column per principal, as the JSON
//     report of the same run says (--json);
//   * a leak cell opens a panel with the finding's evidence and its curl line;
//   * the "leaks only" filter leaves exactly the rows with a leak cell, and the principal filter
//     hides a column;
// then saves a full-page screenshot (--screenshot) and prints one line of JSON with what it saw
// (rows, columns, leak cells, milliseconds until the page's script was ready).
//
//   node check_report.mjs --html REPORT.html --json REPORT.json [--screenshot OUT.png]
//                         [--playwright DIR] [--chromium PATH] [--timeout SECONDS]
//
// Exits 0 when every check holds, 1 with "check_report: what went wrong" otherwise, 2 for a
// wrong command line. playwright-core is loaded from DIR/node_modules as in record_har.mjs.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const usage = 'usage: node check_report.mjs --html REPORT.html --json REPORT.json ' +
              '[--screenshot OUT.png] [--playwright DIR] [--chromium PATH] [--timeout SECONDS]';

// As record_har.mjs: no sandbox (root), nothing on the network the test did not ask for.
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                      '--disable-background-networking', '--disable-component-update',
                      '--disable-sync'];

function parseArgs(argv) {
  const options = { playwright: process.env.AUTHDIFF_PLAYWRIGHT_DIR || '',
                    chromium: '/usr/bin/chromium', timeout: 300, screenshot: '' };
  const names = { '--html': 'html', '--json': 'json', '--screenshot': 'screenshot',
                  '--playwright': 'playwright', '--chromium': 'chromium', '--timeout': 'timeout' };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help' || name === '-h') return null;
    if (!(name in names)) throw new Error(`unknown argument ${name}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    options[names[name]] = value;
  }
  if (!options.html || !options.json) throw new Error('--html and --json are required');
  options.timeout = Number(options.timeout);
  if (!(options.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return options;
}

function loadPlaywright(dir) {
  const require = createRequire(dir ? path.join(path.resolve(dir), 'package.json')
                                    : import.meta.url);
  return require('playwright-core');
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`check_report: ${e.message}\n${usage}`);
    return 2;
  }
  if (!options) {
    console.log(usage);
    return 0;
  }
  const report = JSON.parse(await readFile(options.json, 'utf8'));
  const operations = report.operations.length;
  // The grid's probes: not the spec's alone (audit), and not those of the checks whose probes
  // are requests of their own (CheckInfo::names_request: exposure, weak-credentials), which
  // only borrow the operation they are planned on.
  const ownRequest = new Set(['exposure', 'weak-credentials']);
  const probes = report.probes.filter((p) => !p.static && !ownRequest.has(p.check));
  const severityOf = new Map(report.findings.map((f) => [f.id, f.severity]));
  const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  // Columns: anonymous, then every identity of the run, then any other sender of a probe.
  const principals = new Set(['anonymous', ...report.run.identities]);
  for (const p of probes) principals.add(p.identity || 'anonymous');
  const opsWhere = (test) => new Set(probes.filter(test).map((p) => p.operation));
  const leakRows = opsWhere((p) => p.verdict.state === 'bypassed');

  const { chromium } = loadPlaywright(options.playwright);
  const browser = await chromium.launch({ executablePath: options.chromium, args: chromiumArgs,
                                          timeout: options.timeout * 1000 });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(options.timeout * 1000);
    const url = pathToFileURL(path.resolve(options.html)).href;
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('request', (r) => { if (r.url() !== url) problems.push(`request: ${r.url()}`); });

    const started = Date.now();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    const readyMs = Date.now() - started;

    const rows = await page.locator('#grid tbody tr').count();
    check(rows === operations, `${rows} grid rows, the JSON report has ${operations} operations`);
    const heads = await page.locator('#grid thead th[data-p]').allTextContents();
    check(heads.length === principals.size && heads.every((h) => principals.has(h)),
          `columns [${heads}] are not the principals [${[...principals]}]`);
    const cells = await page.locator('#grid tbody td.cell').count();
    check(cells === rows * heads.length, `${cells} cells for ${rows} rows x ${heads.length} columns`);

    const leakCells = page.locator('#grid td.cell[data-outcome="leak"]');
    const leaks = await leakCells.count();
    const rowsWithLeak = await page.locator('#grid tbody tr:has(td[data-outcome="leak"])').count();
    check(rowsWithLeak === leakRows.size,
          `${rowsWithLeak} rows show a leak, the JSON report has bypassed probes on ${leakRows.size} operations`);
    if (leaks > 0) {
      await leakCells.first().click();
      const panel = page.locator('#panel');
      await panel.waitFor({ state: 'visible' });
      const text = await panel.innerText();
      check(text.includes('curl'), 'the leak cell\'s panel shows no curl line');
      check(/where|unmasked|value/.test(text), 'the leak cell\'s panel shows no evidence');
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });

      const visibleRows = () => page.locator('#grid tbody tr:not(.hidden)').count();
      await page.check('#f-leaks');
      let visible = await visibleRows();
      check(visible === leakRows.size, `"leaks only" shows ${visible} rows, not ${leakRows.size}`);

      // One check's leaks: the check of the first leak, with "leaks only" still ticked.
      const leak = probes.find((p) => p.verdict.state === 'bypassed');
      await page.selectOption('#f-check', leak.check);
      const want = opsWhere((p) => p.check === leak.check && p.verdict.state === 'bypassed');
      visible = await visibleRows();
      check(visible === want.size,
            `check ${leak.check}, leaks only: ${visible} rows, not ${want.size}`);
      await page.uncheck('#f-leaks');
      const withCheck = opsWhere((p) => p.check === leak.check);
      visible = await visibleRows();
      check(visible === withCheck.size,
            `check ${leak.check}: ${visible} rows, not the ${withCheck.size} it probed`);
      await page.selectOption('#f-check', '');

      // Severity: the rows with a leak at or above it.
      for (const level of ['critical', 'high', 'medium', 'low']) {
        await page.selectOption('#f-severity', level);
        const severe = opsWhere((p) => p.verdict.state === 'bypassed' &&
                                       rank[severityOf.get(p.finding)] >= rank[level]);
        visible = await visibleRows();
        check(visible === severe.size, `severity ${level}: ${visible} rows, not ${severe.size}`);
      }
      await page.selectOption('#f-severity', '');
    }
    // The operation search.
    const needle = report.operations[Math.floor(operations / 2)].path.split('/').slice(0, 3).join('/');
    await page.fill('#f-text', needle);
    const matching = report.operations.filter(
        (o) => `${o.method} ${o.path}`.toLowerCase().includes(needle.toLowerCase())).length;
    const shown = await page.locator('#grid tbody tr:not(.hidden)').count();
    check(shown === matching, `search "${needle}": ${shown} rows, not ${matching}`);
    await page.fill('#f-text', '');
    await page.uncheck('input.f-principal[value="0"]');
    const hidden = await page.locator('#grid thead th[data-p="0"].hidden').count();
    check(hidden === 1, 'unticking "anonymous" does not hide its column');
    await page.check('input.f-principal[value="0"]');

    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: rows <= 60 });
    check(problems.length === 0, problems.slice(0, 5).join('; '));
    console.log(JSON.stringify({ rows, columns: heads.length, leakCells: leaks,
                                 leakRows: rowsWithLeak, readyMs }));
    return 0;
  } finally {
    await browser.close();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`check_report: ${e.message}`);
  process.exit(1);
});
