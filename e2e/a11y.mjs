// Accessibility and both languages (issue 14 item 12), in headless Chromium against a fresh
// `guagou demo` (run by crates/guagou/tests/suite/browser.rs; by hand:
// `BASE_URL=… PASSWORD=demo-… node e2e/a11y.mjs`).
//
// A county land bureau (xuanhan), the city (city), the city's finance bureau (finance), audit
// (audit), the administrator (admin) and an anonymous villager open the pages their menu offers,
// plus the detail pages a clerk reaches first (a project, a listing, an inspection, a notice),
// in Chinese and then in English. On every page axe-core (npm, e2e/package-lock.json) runs the
// WCAG 2 A/AA rules; a violation of impact serious or critical fails the page's step. Every page
// is kept as a screenshot in both languages (target/e2e-screenshots/a11y/).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, goto, log, login, newUserPage, run, screenshot, step } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const AXE = path.join(here, 'node_modules', 'axe-core', 'axe.min.js');

/** The test injects axe-core into each page; the server's Content-Security-Policy (script-src
 *  'self') would refuse it, so this context alone bypasses it. */
const AXE_CONTEXT = { bypassCSP: true };

/** Detail pages besides the menu's entries (the demo's records). */
const DETAILS = {
  xuanhan: ['/projects/511722-2018-001', '/notices/511722-2019-003', '/projects/new'],
  city: ['/projects/511722-2019-003', '/ledger/projects/511722-2018-001', '/supervision/inspections'],
  finance: [],
  audit: ['/audit'],
  admin: ['/admin/users'],
};

/** Pages a visitor without an account reads. */
const PUBLIC_PAGES = ['/login', '/public', '/public/projects/511722-2019-003'];

/** The menu's links of the signed-in page (header navigation). */
async function menuLinks(page) {
  return page.$$eval('header nav a[href^="/"]', (links) =>
    links.map((a) => a.getAttribute('href')).filter((href) => !href.startsWith('/lang/')),
  );
}

/** Runs axe on the page; the serious and critical violations as short lines. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const where = v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(', ');
      return `${v.id} (${v.impact}, ${v.nodes.length}×: ${where})`;
    });
}

/** Opens `route` and checks it: answers 200, in `lang`, no serious or critical violation. */
async function checkPage(page, who, lang, route) {
  const name = `${who}-${lang}-${route.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}`;
  await step(name, null, async () => {
    const status = await goto(page, route);
    check(status === 200, `GET ${route} answered ${status}`);
    const htmlLang = await page.getAttribute('html', 'lang');
    check(htmlLang === (lang === 'zh' ? 'zh-CN' : 'en'), `${route} is in ${htmlLang}, not ${lang}`);
    await screenshot(page, name);
    const found = await violations(page);
    check(found.length === 0, `${route}: ${found.join(' · ')}`);
  });
}

async function setLanguage(page, lang) {
  check((await goto(page, `/lang/${lang}`)) === 200, `GET /lang/${lang} did not answer 200`);
}

async function signedIn(browser, who) {
  const page = await newUserPage(browser, who, AXE_CONTEXT);
  await login(page, who);
  const routes = [...new Set([...(await menuLinks(page)), ...(DETAILS[who] || [])])];
  log(`${who}: ${routes.length} pages`);
  for (const lang of ['zh', 'en']) {
    await setLanguage(page, lang);
    for (const route of routes) await checkPage(page, who, lang, route);
  }
  await page.context().close();
}

/** A refused form keeps what was typed: 宣汉 lists far more than it holds, is refused, and
 *  finds its input back in the form (issue 14: safe forms). */
async function refusedFormKeepsInput(browser) {
  const page = await newUserPage(browser, 'xuanhan-form', AXE_CONTEXT);
  await login(page, 'xuanhan');
  await step('refused-form-keeps-what-was-typed', page, async () => {
    check((await goto(page, '/market')) === 200, 'GET /market did not answer 200');
    const form = page.locator('#publish-form');
    check((await form.count()) === 1, 'no #publish-form on /market');
    await form.locator('input[name=amount_m2]').fill('999999999');
    await form.locator('input[name=closes_on]').fill('2099-12-31');
    await form.locator('input[name=contact]').fill('浏览器测试联系人 0818-0000000');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button').first().click()]);
    check((await page.locator('#refusal').count()) === 1, `the oversized listing was not refused: ${page.url()}`);
    check((await page.getAttribute('html', 'lang')) === 'zh-CN', 'the refusal is not in Chinese');
    check((await goto(page, '/market')) === 200, 'GET /market again did not answer 200');
    const contact = await page.locator('#publish-form input[name=contact]').inputValue();
    check(contact === '浏览器测试联系人 0818-0000000', `the contact typed was not put back (${contact})`);
    check((await page.locator('#publish-form .restored').count()) === 1, 'no note says the input was put back');
    // Once put back, it is not put back again.
    await goto(page, '/market');
    check((await page.locator('#publish-form .restored').count()) === 0, 'the input was put back twice');
  });
  await step('refused-field-shows-its-reason-beside-it', page, async () => {
    check((await goto(page, '/market')) === 200, 'GET /market did not answer 200');
    const form = page.locator('#publish-form');
    await form.locator('input[name=amount_m2]').fill('十万');
    await form.locator('input[name=closes_on]').fill('2099-12-31');
    await form.locator('input[name=contact]').fill('浏览器测试联系人 0818-0000000');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button').first().click()]);
    check((await page.getAttribute('#refusal', 'data-field')) === 'amount_m2', 'the refusal does not name the amount field');
    check((await goto(page, '/market')) === 200, 'GET /market again did not answer 200');
    const amount = form.locator('input[name=amount_m2]');
    check((await amount.getAttribute('aria-invalid')) === 'true', 'the refused field is not marked');
    const describedBy = (await amount.getAttribute('aria-describedby')) || '';
    const reason = describedBy ? ((await page.locator(`#${describedBy}`).textContent()) || '') : '';
    check(reason.trim().length > 0, 'no reason beside the refused field');
    await screenshot(page, 'refused-field-reason');
  });
  await page.context().close();
}

/** Breadcrumbs lead back up, and the upload form offers townships and villages by name
 *  (pickers: the field sends the code, the list shows the name). */
async function crumbsAndPickers(browser) {
  const page = await newUserPage(browser, 'xuanhan-crumbs', AXE_CONTEXT);
  await login(page, 'xuanhan');
  await step('breadcrumbs-lead-back-to-the-list', page, async () => {
    check((await goto(page, '/projects/511722-2018-001')) === 200, 'the project page did not answer 200');
    const crumbs = page.locator('#breadcrumbs li');
    check((await crumbs.count()) >= 2, 'the project page has no breadcrumbs');
    const current = (await page.locator('#breadcrumbs li[aria-current=page]').textContent()) || '';
    check(current.includes('511722-2018-001') || current.trim().length > 0, 'no crumb marks the page itself');
    const links = page.locator('#breadcrumbs a[href="/projects"]');
    check((await links.count()) === 1, 'no crumb leads to the project list');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), links.first().click()]);
    check(new URL(page.url()).pathname === '/projects', `the crumb led to ${page.url()}`);
  });
  await step('upload-form-picks-divisions-by-name', page, async () => {
    check((await goto(page, '/projects/new')) === 200, 'GET /projects/new did not answer 200');
    for (const [field, chooser] of [['township', 'input[name=township]'], ['villages', '#add-villages']]) {
      const input = page.locator(chooser);
      check((await input.count()) === 1, `no ${field} field`);
      const list = await input.getAttribute('list');
      check(list, `the ${field} field offers no list`);
      const options = await page.$$eval(`datalist#${list} option`, (os) =>
        os.map((o) => ({ value: o.value, label: o.label || o.textContent || '' })),
      );
      check(options.length > 0, `the ${field} list is empty`);
      const named = options.filter((o) => /^\d+$/.test(o.value) && /[\u4e00-\u9fff]/.test(o.label));
      check(named.length === options.length, `${field}: options without a Chinese name: ${JSON.stringify(options.slice(0, 3))}`);
    }
    // Several villages: each picked by name is added to the field, and listed by name.
    const villages = await page.$$eval('datalist#picker-villages option', (os) =>
      os.slice(0, 2).map((o) => ({ value: o.value, label: o.textContent || '' })),
    );
    check(villages.length === 2, 'the county has fewer than two villages to pick');
    check(await page.locator('#add-villages').isVisible(), 'the village chooser is hidden');
    for (const village of villages) {
      await page.locator('#add-villages').fill(village.value);
      await page.locator('#add-villages').dispatchEvent('change');
    }
    const value = await page.locator('#field-villages').inputValue();
    check(value === villages.map((v) => v.value).join(', '), `the villages field reads "${value}"`);
    check((await page.locator('#add-villages').inputValue()) === '', 'the chooser was not emptied');
    const listed = await page.$$eval('#picked-villages li', (items) => items.map((li) => li.textContent));
    check(JSON.stringify(listed) === JSON.stringify(villages.map((v) => v.label)), `listed ${JSON.stringify(listed)}`);
    await screenshot(page, 'upload-villages-picked');
  });
  await page.context().close();
}

await run(async (browser) => {
  for (const who of Object.keys(DETAILS)) await signedIn(browser, who);
  await refusedFormKeepsInput(browser);
  await crumbsAndPickers(browser);
  const visitor = await newUserPage(browser, 'visitor', AXE_CONTEXT);
  for (const lang of ['zh', 'en']) {
    await setLanguage(visitor, lang);
    for (const route of PUBLIC_PAGES) await checkPage(visitor, 'visitor', lang, route);
  }
  // The villagers read the notice on a phone: nothing wider than the screen.
  await step('visitor-notice-fits-a-phone', visitor, async () => {
    await visitor.setViewportSize({ width: 375, height: 800 });
    await goto(visitor, '/public/projects/511722-2019-003');
    const width = await visitor.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `the public notice is ${width} px wide on a 375 px screen`);
  });
});
