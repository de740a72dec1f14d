#!/usr/bin/env node
// Record what a browser sends to the canteen demo API as a HAR 1.2 file: headless Chromium opens
// the employee page, signs in, waits for the lists, opens the first order, and the browser
// context's HAR recorder writes every request with its headers and bodies (embedded).
//
//   node record_har.mjs --base-url http://127.0.0.1:PORT --user NAME --password PW --har OUT.har
//                       [--playwright DIR] [--chromium PATH] [--timeout SECONDS]
//
// playwright-core is loaded from DIR/node_modules (--playwright, else $AUTHDIFF_PLAYWRIGHT_DIR;
// ci/lib.sh's ensure_browser sets PLAYWRIGHT_CORE_DIR to such a DIR), else by a plain import.
// ESM ignores NODE_PATH, hence the explicit folder. Chromium is Debian's, /usr/bin/chromium.
//
// Prints "recorded N requests to OUT.har" and exits 0; on any failure prints one line,
// "record_har: STEP: what went wrong", and exits 1 (2 for a wrong command line).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const usage =
    'usage: node record_har.mjs --base-url URL --user NAME --password PW --har OUT.har\n' +
    '                           [--playwright DIR] [--chromium PATH] [--timeout SECONDS]';

// Chromium's switches: no sandbox (containers, root), nothing the test did not ask for on the
// network (QUIC, background fetches, component updates, sync), no GPU, no first-run pages.
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                      '--disable-background-networking', '--disable-component-update',
                      '--disable-sync'];

function parseArgs(argv) {
  const options = {
    playwright: process.env.AUTHDIFF_PLAYWRIGHT_DIR || '',
    chromium: '/usr/bin/chromium',
    timeout: 120,  // seconds for every wait: CI machines are slow and shared
  };
  const names = { '--base-url': 'baseUrl', '--user': 'user', '--password': 'password',
                  '--har': 'har', '--playwright': 'playwright', '--chromium': 'chromium',
                  '--timeout': 'timeout' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--help' || name === '-h') return null;
    if (!(name in names)) throw new Error(`unknown argument ${arg}`);
    let value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    options[names[name]] = value;
  }
  for (const required of ['baseUrl', 'user', 'password', 'har']) {
    if (!options[required]) {
      const flag = Object.keys(names).find((k) => names[k] === required);
      throw new Error(`${flag} is required`);
    }
  }
  options.timeout = Number(options.timeout);
  if (!(options.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  let url;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new Error(`--base-url ${options.baseUrl} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--base-url ${options.baseUrl} is not http(s)`);
  }
  options.baseUrl = url.href.replace(/\/+$/, '');
  options.harPath = path.resolve(options.har);
  return options;
}

// playwright-core from DIR/node_modules when DIR is given, else wherever import finds it.
async function loadPlaywright(dir) {
  if (!dir) {
    try {
      return await import('playwright-core');
    } catch (err) {
      throw new Error(`${err.message.split('\n')[0]} (give --playwright DIR or ` +
                      'AUTHDIFF_PLAYWRIGHT_DIR=DIR, DIR holding node_modules/playwright-core)');
    }
  }
  const base = path.resolve(dir);
  if (!existsSync(path.join(base, 'node_modules', 'playwright-core'))) {
    throw new Error(`no node_modules/playwright-core under ${base}`);
  }
  const require = createRequire(path.join(base, 'record_har.cjs'));
  return require('playwright-core');
}

// The step that is running, for the one-line failure message.
let step = 'start';
let browser = null;
const pageErrors = [];

function fail(err) {
  const first = String((err && err.message) || err).split('\n')[0].trim();
  const page = pageErrors.length ? ` (page: ${pageErrors[0]})` : '';
  process.stderr.write(`record_har: ${step}: ${first}${page}\n`);
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`record_har: ${err.message}\n${usage}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const ms = options.timeout * 1000;
  // Each wait has its own limit; this one bounds the whole run against a hang between them.
  setTimeout(() => {
    fail(new Error(`still not done after ${5 * options.timeout} s`));
    process.exit(1);
  }, 5 * ms).unref();

  try {
    step = 'load playwright-core';
    const { chromium } = await loadPlaywright(options.playwright);

    step = `launch ${options.chromium}`;
    if (!existsSync(options.chromium)) throw new Error('no such file (apt-get install chromium)');
    // launch() makes a fresh profile (user-data-dir) in a temporary folder and removes it.
    browser = await chromium.launch({ executablePath: options.chromium, headless: true,
                                      args: chromiumArgs, timeout: ms });

    step = 'create the browser context';
    const context = await browser.newContext({
      recordHar: { path: options.harPath, content: 'embed' },
      serviceWorkers: 'block',
    });
    context.setDefaultTimeout(ms);
    context.setDefaultNavigationTimeout(ms);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err.message).split('\n')[0]));

    step = `open ${options.baseUrl}/`;
    const response = await page.goto(`${options.baseUrl}/`, { waitUntil: 'load' });
    if (!response || !response.ok()) {
      throw new Error(`HTTP ${response ? response.status() : 'no response'}`);
    }
    await page.locator('#sign-in').waitFor({ state: 'visible' });

    step = `sign in as ${options.user}`;
    await page.locator('#username').fill(options.user);
    await page.locator('#password').fill(options.password);
    await page.locator('#sign-in').click();

    step = 'wait for the orders to load';
    // Either every list loaded, or the page said why not (#error).
    await page.locator('#orders[data-loaded="true"], #error:not([hidden])').first().waitFor();
    if (await page.locator('#error').isVisible()) {
      if (await page.locator('#sign-in-form').isVisible()) step = `sign in as ${options.user}`;
      throw new Error(`the page says: ${(await page.locator('#error').textContent()).trim()}`);
    }

    step = 'open the first order';
    const first = page.locator('.order-link').first();
    if ((await page.locator('.order-link').count()) === 0) throw new Error('no orders listed');
    const orderId = await first.getAttribute('data-order-id');
    await first.click();
    await page.locator(`#order-detail[data-order-id="${orderId}"], #error:not([hidden])`)
        .first().waitFor();
    if (await page.locator('#error').isVisible()) {
      throw new Error(`the page says: ${(await page.locator('#error').textContent()).trim()}`);
    }

    step = 'write the HAR (close the context)';
    await context.close();
    step = 'close the browser';
    await browser.close();
    browser = null;

    step = `read ${options.har}`;
    const har = JSON.parse(await readFile(options.harPath, 'utf8'));
    const entries = har && har.log && Array.isArray(har.log.entries) ? har.log.entries : null;
    if (!entries) throw new Error('no log.entries in the HAR');
    process.stdout.write(`recorded ${entries.length} requests to ${options.har}\n`);
    return 0;
  } catch (err) {
    fail(err);
    if (browser) await browser.close().catch(() => {});
    return 1;
  }
}

process.exitCode = await main();
