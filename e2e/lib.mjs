// Shared helpers of the browser scenarios (flow.mjs, market.mjs, supervision.mjs, notice.mjs):
// the environment, steps with screenshots, navigation, sign-in and the final report.
//
// Environment: BASE_URL, PASSWORD (the demo accounts' shared password), SCREENSHOT_DIR
// (default target/e2e-screenshots), CHROMIUM (default /usr/bin/chromium).
//
// Each scenario is its own node process, so the module-level state below (results, screenshot
// counter, script errors) belongs to one scenario.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const PASSWORD = process.env.PASSWORD || '';
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || path.join(here, '..', 'target', 'e2e-screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Every step's outcome: `{name, ok, reason?}`. */
export const results = [];
/** Uncaught script errors of any page (a page whose script throws fails the scenario). */
export const pageErrors = [];
/** The questions consequential steps asked (data-confirm), in order. */
export const confirmations = [];
let shotNumber = 0;

export function log(line) {
  process.stdout.write(`${line}\n`);
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function screenshot(page, name) {
  if (!page) return;
  shotNumber += 1;
  const file = path.join(SCREENSHOT_DIR, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  } catch (error) {
    log(`     (no screenshot ${file}: ${error.message.split('\n')[0]})`);
  }
}

/** Runs one step; a failure is recorded and the scenario goes on where it can. */
export async function step(name, page, body) {
  try {
    await body();
    results.push({ name, ok: true });
    log(`ok   ${name}`);
    await screenshot(page, name);
    return true;
  } catch (error) {
    const reason = (error && error.message ? error.message : String(error)).split('\n').slice(0, 4).join(' | ');
    results.push({ name, ok: false, reason });
    log(`FAIL ${name}: ${reason}${page ? ` (at ${page.url()})` : ''}`);
    await screenshot(page, `${name}-FAILED`);
    return false;
  }
}

/** Records a step that could not run because an earlier one failed. */
export function skipped(name, because) {
  results.push({ name, ok: false, reason: `not run: ${because}` });
  log(`FAIL ${name}: not run: ${because}`);
}

/** Clicks and waits for the navigation it starts; returns the final response's status. */
export async function clickAndWait(page, selector) {
  const locator = page.locator(selector).first();
  check((await locator.count()) > 0, `no element ${selector}`);
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response ? response.status() : 0;
}

export async function goto(page, route) {
  const response = await page.goto(`${BASE_URL}${route}`, { waitUntil: 'load' });
  return response ? response.status() : 0;
}

export async function mainText(page) {
  return (await page.locator('main').first().textContent()) || '';
}

/** The path of the page's URL (no query, no fragment). */
export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** A new browser context (its own cookies: one signed-in user, or an anonymous visitor).
 *  `options` add to the context's (a11y.mjs bypasses the CSP to inject axe-core). */
export async function newUserPage(browser, label, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (error) => pageErrors.push(`${label} ${page.url()}: ${error.message}`));
  // Consequential steps ask first (data-confirm): the user agrees, and the question is kept.
  page.on('dialog', (dialog) => {
    confirmations.push(`${label}: ${dialog.message()}`);
    dialog.accept();
  });
  return page;
}

export async function login(page, name) {
  check((await goto(page, '/login')) === 200, 'GET /login did not answer 200');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PASSWORD);
  const status = await clickAndWait(page, 'button:has-text("登录")');
  check(status === 200, `signing in as ${name} answered ${status}`);
  check(new URL(page.url()).pathname === '/', `after signing in the page is ${page.url()}, not the dashboard`);
  check((await page.textContent('header')).includes(name), `the header does not name ${name}`);
}

/** The integer m² shown by the first element matching `selector`, or null if there is none. */
export async function amount(page, selector) {
  const element = page.locator(selector).first();
  if ((await element.count()) === 0) return null;
  const text = ((await element.textContent()) || '').replace(/[^0-9-]/g, '');
  check(text !== '', `${selector} shows no number`);
  return Number(text);
}

/** The balance of ledger account `key` on the user's /ledger page (0 when it has none yet). */
export async function ledgerBalance(page, key) {
  check((await goto(page, '/ledger')) === 200, 'GET /ledger did not answer 200');
  return (await amount(page, `[data-account="${key}"]`)) ?? 0;
}

/** Debian's Chromium, headless, with a fresh temporary profile (playwright gives every launch
 *  its own --user-data-dir). */
export async function launchBrowser() {
  check(PASSWORD !== '', 'PASSWORD is not set');
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Runs `scenario(browser)` in a fresh browser and exits: 0 only if every step passed.
 *  `extraFailures()` may name failures found along the way (e.g. missing links). */
export async function run(scenario, extraFailures = () => []) {
  let crashed = null;
  try {
    const browser = await launchBrowser();
    try {
      await scenario(browser);
    } finally {
      await browser.close();
    }
  } catch (error) {
    crashed = error;
  }
  for (const { name, reason } of extraFailures()) {
    results.push({ name, ok: false, reason });
    log(`FAIL ${name}: ${reason}`);
  }
  if (pageErrors.length > 0) {
    results.push({ name: 'no-script-errors', ok: false, reason: pageErrors.join(' | ') });
    log(`FAIL no-script-errors: ${pageErrors.join(' | ')}`);
  }
  if (crashed) log(`FAIL the scenario stopped: ${crashed.stack || crashed}`);
  const failed = results.filter((r) => !r.ok);
  log(`screenshots: ${SCREENSHOT_DIR}`);
  for (const r of failed) log(`failed step: ${r.name}: ${r.reason}`);
  log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 && !crashed ? 0 : 1);
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic in UTC, so no time zone shifts the day). */
export function addDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
