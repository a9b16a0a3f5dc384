// The browser scenario of issue 4, in headless Chromium (Debian's `chromium`) driven by
// playwright-core. Run by crates/guagou/tests/browser.rs against a fresh `guagou demo`; it can
// also be run by hand:
//
//   BASE_URL=http://127.0.0.1:8080 PASSWORD=demo-… node e2e/flow.mjs
//
// Environment: BASE_URL, PASSWORD (the demo accounts' shared password), SCREENSHOT_DIR
// (default target/e2e-screenshots), CHROMIUM (default /usr/bin/chromium).
//
// Scenario: county 宣汉 (xuanhan@511722) signs in, switches the page language, registers a
// project by uploading a package that fails RESETTLEMENT_PER_CAPITA, sees the failed rule (in
// the pre-check, on the project page, and as the refusal of 报送), uploads a corrected version
// and submits; the city (city@511700) pools and forwards; the province (province@510000)
// approves (SPEC §7: 立项 is the province's); the city advances quota (预支, 二(四)), lifting
// 宣汉's suspension first if the demo has one; the county sees its ledger change; a user of
// another county (wanyuan@511781) gets the not-found page.
//
// Each step prints `ok` or `FAIL` with the reason; a screenshot follows every step (failed ones
// too) as SCREENSHOT_DIR/NN-name.png. A step that fails does not stop the scenario where the
// next ones can still run; the exit code is 0 only if every step passed.
//
// Selectors are few and stable: element ids, form field names, `[data-account=…]` and
// `button:has-text(…)`. Those of the upload and ledger pages are gathered in UPLOAD and ADVANCE
// below.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE, FAILING_RULE, failingFiles, passingFiles, zip } from './package.mjs';
import { BASE_URL, amount, check, clickAndWait, confirmations, goto, log, login, mainText, newUserPage, run, screenshot, step } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE = path.join(here, '..', 'examples', 'xuanhan-nanba-pass');

/** Demo accounts (crates/guagou/src/commands/demo.rs). */
const USERS = { county: 'xuanhan', otherCounty: 'wanyuan', city: 'city', province: 'province' };
const COUNTY_CODE = '511722';

/** A draft demo project of 宣汉 whose rules pass: the later steps run on it when the upload
 *  steps fail, so one missing page does not hide what the rest of the flow does. */
const FALLBACK_CODE = '511722-2019-003';

/** The upload pages (src/upload/page.rs): `GET /projects/new` with the zip form, the pre-check
 *  results (`#check-results`, one row `#rule-<ID>` per rule, class `blocking` when it fails)
 *  with the save form; a new version from the project page's `#new-version` link. */
const UPLOAD = {
  newPage: '/projects/new',
  packageInput: '#field-package',
  checkZip: '#check-zip',
  checkVersionZip: '#check-version-zip',
  results: '#check-results',
  saveReason: '#save-reason',
  saveButton: '#save',
  newVersionLink: '#new-version',
};

/** The advance form (src/quota/panels.rs): the project page's ledger panel, also on
 *  /ledger/projects/{code}; amount prefilled with what may still be advanced. */
const ADVANCE = {
  form: '#form-advance',
  ledgerPage: (code) => `/ledger/projects/${code}`,
};

/** The project map (src/map.rs, assets/map.js: Leaflet). The uploaded package has 10 demolition
 *  parcels and 1 resettlement site; the demo fallback project has 8 + 1. */
const MAP = {
  parcels: '#project-map path.leaflet-interactive',
  popup: '.leaflet-popup-content',
  minParcels: 9,
};

const STATES = { draft: '草稿', submitted: '已申报', pooled: '已入库', forwarded: '已转报', approved: '已立项' };

/** Panels a page should link to but does not: reported as failures, while the scenario goes on
 *  by URL so the later steps still run. */
const wiring = [];

/** Takes a lifecycle step from the project page (`#action-<name>` buttons of pages.rs). */
async function projectAction(page, code, action, expectedState) {
  check((await goto(page, `/projects/${code}`)) === 200, `GET /projects/${code} did not answer 200`);
  const status = await clickAndWait(page, `#action-${action}`);
  check(status === 200, `${action} answered ${status}: ${(await mainText(page)).slice(0, 300)}`);
  check(new URL(page.url()).pathname === `/projects/${code}`, `${action} did not lead back to the project (${page.url()})`);
  check((await mainText(page)).includes(expectedState), `after ${action} the project is not ${expectedState}`);
}

async function projectJson(page, code) {
  const response = await page.request.get(`${BASE_URL}/api/projects/${code}`);
  check(response.status() === 200, `GET /api/projects/${code} answered ${response.status()}`);
  return (await response.json()).project;
}

async function scenario(browser, failingZip, passingZip) {
  let code = CODE;
  const county = await newUserPage(browser, USERS.county);

  await step('county-signs-in', county, async () => {
    await login(county, USERS.county);
    check((await county.getAttribute('html', 'lang')) === 'zh-CN', 'the dashboard is not in Chinese by default');
  });

  await step('language-switch-to-english', county, async () => {
    const status = await clickAndWait(county, '#lang-switch');
    check(status === 200, `/lang/en answered ${status}`);
    check((await county.getAttribute('html', 'lang')) === 'en', 'after /lang/en the page is not <html lang="en">');
    check((await county.textContent('h1')).trim().startsWith('Dashboard'), 'the title is not English first');
  });

  await step('language-switch-back-to-chinese', county, async () => {
    const status = await clickAndWait(county, '#lang-switch');
    check(status === 200, `/lang/zh answered ${status}`);
    check((await county.getAttribute('html', 'lang')) === 'zh-CN', 'after /lang/zh the page is not Chinese');
  });

  const uploaded = await step('county-uploads-failing-package-and-sees-precheck', county, async () => {
    check((await goto(county, '/projects')) === 200, 'GET /projects did not answer 200');
    const status = await clickAndWait(county, '#new-project');
    check(status === 200, `${UPLOAD.newPage} answered ${status}`);
    check(new URL(county.url()).pathname === UPLOAD.newPage, `the upload link leads to ${county.url()}`);
    await county.setInputFiles(UPLOAD.packageInput, {
      name: `${CODE}.zip`,
      mimeType: 'application/zip',
      buffer: failingZip,
    });
    const checked = await clickAndWait(county, UPLOAD.checkZip);
    check(checked === 200, `the pre-check answered ${checked}: ${(await mainText(county)).slice(0, 300)}`);
    check((await county.locator(UPLOAD.results).count()) === 1, `the pre-check shows no ${UPLOAD.results}`);
    const row = county.locator(`#rule-${FAILING_RULE}`);
    check((await row.count()) === 1, `the pre-check has no row for ${FAILING_RULE}`);
    check((await row.getAttribute('class')) === 'blocking', `${FAILING_RULE} is not marked as a failed blocking rule`);
    check((await county.locator(`${UPLOAD.results} tr.blocking`).count()) === 1, 'other rules than the one broken failed');
  });

  if (uploaded) {
    await step('county-saves-project-with-failed-rule', county, async () => {
      await county.fill(UPLOAD.saveReason, '浏览器测试：首次上传 / browser test: first upload');
      const status = await clickAndWait(county, UPLOAD.saveButton);
      check(status === 200, `saving answered ${status}: ${(await mainText(county)).slice(0, 300)}`);
      check(new URL(county.url()).pathname === `/projects/${CODE}`, `saving led to ${county.url()}, not the project`);
      const results = county.locator('#results-v1');
      check((await results.count()) === 1, 'the project page has no results of version 1');
      check((await results.textContent()).includes(FAILING_RULE), `version 1 does not show ${FAILING_RULE}`);
      check((await results.locator('.fail').count()) > 0, 'version 1 marks no rule as failed');
      check((await mainText(county)).includes(STATES.draft), 'the new project is not a draft');
    });

    await step('county-submit-is-refused-by-the-rule', county, async () => {
      const status = await clickAndWait(county, '#action-submit');
      check(status === 422, `submitting a project with a failed rule answered ${status}, not 422`);
      check((await mainText(county)).includes(FAILING_RULE), `the refusal does not name ${FAILING_RULE}`);
    });

    await step('county-uploads-corrected-version', county, async () => {
      check((await goto(county, `/projects/${CODE}`)) === 200, `GET /projects/${CODE} did not answer 200`);
      if ((await county.locator(UPLOAD.newVersionLink).count()) > 0) {
        const status = await clickAndWait(county, UPLOAD.newVersionLink);
        check(status === 200, `the new-version page answered ${status}`);
      } else {
        wiring.push(`the project page has no ${UPLOAD.newVersionLink} link (upload::project_forms_html)`);
        check((await goto(county, `/projects/${CODE}/versions/new`)) === 200, 'GET /projects/{code}/versions/new did not answer 200');
      }
      await county.setInputFiles(UPLOAD.packageInput, {
        name: `${CODE}-v2.zip`,
        mimeType: 'application/zip',
        buffer: passingZip,
      });
      const checked = await clickAndWait(county, UPLOAD.checkVersionZip);
      check(checked === 200, `the version pre-check answered ${checked}: ${(await mainText(county)).slice(0, 300)}`);
      check((await county.locator(`${UPLOAD.results} tr.blocking`).count()) === 0, 'the corrected package still fails a rule');
      await county.fill(UPLOAD.saveReason, `浏览器测试：修正 ${FAILING_RULE} / browser test: fixed`);
      const saved = await clickAndWait(county, UPLOAD.saveButton);
      check(saved === 200, `saving the version answered ${saved}: ${(await mainText(county)).slice(0, 300)}`);
      check(new URL(county.url()).pathname === `/projects/${CODE}`, `saving led to ${county.url()}, not the project`);
      const results = county.locator('#results-v2');
      check((await results.count()) === 1, 'the project page has no results of version 2');
      check((await results.locator('.fail').count()) === 0, 'version 2 still fails a rule');
    });
  } else {
    code = FALLBACK_CODE;
    log(`     (the upload failed: the next steps run on the demo draft ${FALLBACK_CODE}; the run fails anyway)`);
  }

  await step('county-clicks-a-parcel-on-the-map', county, async () => {
    check((await goto(county, `/projects/${code}`)) === 200, `GET /projects/${code} did not answer 200`);
    const parcels = county.locator(MAP.parcels);
    await parcels.first().waitFor({ state: 'attached' });
    const count = await parcels.count();
    check(count >= MAP.minParcels, `the map shows ${count} parcels, expected at least ${MAP.minParcels}`);
    // The resettlement site (drawn last) is convex, so its centre is inside it.
    await parcels.last().click();
    const popup = county.locator(MAP.popup);
    await popup.waitFor({ state: 'visible' });
    const text = (await popup.textContent()) || '';
    check(text.includes('m²') && text.includes('公顷') && text.includes('亩'), `the parcel popup shows no area in m², 公顷 and 亩: ${text}`);
    // One language at a time: the popup's labels are Chinese only on a Chinese page.
    check(text.includes('规则结果') && !text.includes('Rule results'), `the popup is not in Chinese only: ${text}`);
    // The attribution names the library, with no flag in it.
    const attribution = county.locator('.leaflet-control-attribution');
    check((await attribution.locator('svg, img').count()) === 0, 'a flag or image in the map attribution');
    // A metric scale bar.
    const scale = (await county.locator('.leaflet-control-scale').textContent()) || '';
    check(/\d+\s*(m|km)/.test(scale), `no metric scale bar on the map (${scale})`);
    // Cursor coordinates: longitude/latitude and CGCS2000 Gauss–Krüger (宣汉 lies in zone 36).
    await county.locator('#project-map').scrollIntoViewIfNeeded();
    const box = await county.locator('#project-map').boundingBox();
    await county.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const cursor = county.locator('#project-map-cursor');
    const cursorText = (await cursor.textContent()) || '';
    const x = Number(await cursor.getAttribute('data-x'));
    const y = Number(await cursor.getAttribute('data-y'));
    const lon = Number(await cursor.getAttribute('data-lon'));
    check(cursorText.includes('经度') && cursorText.includes('第 36 带'), `the cursor line reads "${cursorText}"`);
    check(lon > 106.5 && lon < 109.5 && x > 3.3e6 && x < 3.6e6 && Math.floor(y / 1e6) === 36,
      `cursor lon ${lon}, X ${x}, Y ${y} are not in 宣汉's zone 36`);
    // The map's Gauss–Krüger conversion (proj4, the definition map.js uses) agrees with the
    // server's: the first vertex of the GeoJSON download lands on the coordinate file's J1.
    const base = await county.$eval('#parcel-downloads a[href$="demolition.txt"]', (a) => a.getAttribute('href').replace(/\.txt$/, ''));
    const agree = await county.evaluate(async (base) => {
      const geojson = await (await fetch(`${base}.geojson`)).json();
      const [lon, lat] = geojson.features[0].geometry.coordinates[0][0];
      const bytes = await (await fetch(`${base}.txt`)).arrayBuffer();
      const text = new TextDecoder('gbk').decode(bytes);
      const j1 = text.split(/\r?\n/).find((line) => line.startsWith('J1,')).split(',');
      const zone = Math.floor(lon / 3 + 0.5);
      const def = `+proj=tmerc +lat_0=0 +lon_0=${zone * 3} +k=1 +x_0=${zone * 1000000 + 500000} +y_0=0 +ellps=GRS80 +units=m +no_defs`;
      const [y, x] = window.proj4('EPSG:4326', def, [lon, lat]);
      return { dx: Math.abs(x - Number(j1[2])), dy: Math.abs(y - Number(j1[3])) };
    }, base);
    check(agree.dx < 0.01 && agree.dy < 0.01, `the map's Gauss–Krüger differs from the server's by ${agree.dx} m, ${agree.dy} m`);
    // The parcels as files: the coordinate file of the demolition parcels downloads.
    const link = county.locator('#parcel-downloads #download-demolition a[href$="demolition.txt"]');
    check((await link.count()) === 1, 'no download of the demolition parcels as a coordinate file');
    const [download] = await Promise.all([county.waitForEvent('download'), link.click()]);
    check(/-demolition\.txt$/.test(download.suggestedFilename()), `downloaded ${download.suggestedFilename()}`);
  });

  await step('county-measures-a-parcel-on-the-map', county, async () => {
    check((await goto(county, `/projects/${code}`)) === 200, `GET /projects/${code} did not answer 200`);
    const parcels = county.locator(MAP.parcels);
    await parcels.first().waitFor({ state: 'attached' });
    const measure = county.locator('#project-map-measure');
    await measure.waitFor({ state: 'visible' });
    await measure.check();
    await county.locator('#project-map').scrollIntoViewIfNeeded();
    // The resettlement site (drawn last): its corners on the screen, from its SVG path.
    const corners = await parcels.last().evaluate((path) => {
      const numbers = (path.getAttribute('d').match(/-?\d+(\.\d+)?/g) || []).map(Number);
      const points = [];
      for (let i = 0; i + 1 < numbers.length; i += 2) points.push([numbers[i], numbers[i + 1]]);
      const rect = path.getBoundingClientRect();
      const minX = Math.min(...points.map((p) => p[0]));
      const minY = Math.min(...points.map((p) => p[1]));
      return points.map(([x, y]) => [x - minX + rect.left, y - minY + rect.top]);
    });
    check(corners.length >= 3, `the resettlement site has ${corners.length} corners on screen`);
    for (const [x, y] of corners) await county.mouse.click(x + 2, y + 2);
    const measured = Number(await county.locator('#project-map-measured').getAttribute('data-area'));
    const detail = await county.evaluate(async (c) => (await fetch(`/api/projects/${c}`)).json(), code);
    const version = detail.versions.find((v) => v.version === detail.project.current_version);
    const site = version.summary.parcels.find((p) => p.role === 'resettlement');
    const error = Math.abs(measured - site.planar_m2) / site.planar_m2;
    check(error < 0.001, `measured ${measured} m², the rule's planar area ${site.planar_m2} m² (${(error * 100).toFixed(3)} %)`);
    await screenshot(county, 'county-measured-the-site');
  });

  await step('county-submits', county, async () => {
    await projectAction(county, code, 'submit', STATES.submitted);
  });

  const city = await newUserPage(browser, USERS.city);
  await step('city-pools-and-forwards', city, async () => {
    await login(city, USERS.city);
    await projectAction(city, code, 'pool', STATES.pooled);
    await projectAction(city, code, 'forward', STATES.forwarded);
  });

  const province = await newUserPage(browser, USERS.province);
  await step('province-approves', province, async () => {
    await login(province, USERS.province);
    await projectAction(province, code, 'approve', STATES.approved);
  });

  const holding = `[data-account="holding:${COUNTY_CODE}"]`;
  const advanceAccount = () => `[data-account="advance:${code}"]`;
  let holdingBefore = null;
  await step('county-ledger-before-advance', county, async () => {
    check((await goto(county, '/ledger')) === 200, 'GET /ledger did not answer 200');
    check((await county.locator(advanceAccount()).count()) === 0, `the ledger has an advance account of ${code} before any advance`);
    holdingBefore = await amount(county, holding);
  });

  let advanced = 0;
  /** Fills and sends the advance form; returns the response status. */
  const sendAdvance = async () => {
    check((await goto(city, `/projects/${code}`)) === 200, `GET /projects/${code} did not answer 200`);
    if ((await city.locator(ADVANCE.form).count()) === 0) {
      const missing = `the project page has no ${ADVANCE.form} (quota::project_ledger_html)`;
      if (!wiring.includes(missing)) wiring.push(missing);
      check((await goto(city, ADVANCE.ledgerPage(code))) === 200, `GET ${ADVANCE.ledgerPage(code)} did not answer 200`);
    }
    const form = city.locator(ADVANCE.form);
    check((await form.count()) === 1, `no ${ADVANCE.form} for the city on the approved project`);
    advanced = Number(await form.locator('input[name=amount_m2]').inputValue());
    const project = await projectJson(city, code);
    check(
      advanced > 0 && advanced <= Math.floor(project.planned_surplus_m2 * 0.3),
      `the prefilled advance ${advanced} m² is not within 30 % of ${project.planned_surplus_m2} m²`,
    );
    await form.locator('input[name=reason]').fill('浏览器测试：预支 30% (二(四)) / browser test: advance');
    const [response] = await Promise.all([
      city.waitForNavigation({ waitUntil: 'load' }),
      form.locator('button').first().click(),
    ]);
    return response ? response.status() : 0;
  };

  await step('city-advances-quota', city, async () => {
    // The demo's 宣汉 has an overdue advance, so its advance right is suspended (SPEC §8): the
    // project page says so and offers no advance form; the city lifts the suspension (a recorded
    // decision) first.
    check((await goto(city, ADVANCE.ledgerPage(code))) === 200, `GET ${ADVANCE.ledgerPage(code)} did not answer 200`);
    const suspended = (await mainText(city)).includes('ADVANCE_NOT_SUSPENDED');
    if (suspended) {
      check((await city.locator(ADVANCE.form).count()) === 0, `${ADVANCE.form} is offered while 宣汉 is suspended`);
      log('     (宣汉 is suspended (ADVANCE_NOT_SUSPENDED): the city lifts the suspension first)');
      await screenshot(city, 'advance-suspended');
      check((await goto(city, '/supervision')) === 200, 'GET /supervision did not answer 200');
      const lift = city.locator(`#lift-${COUNTY_CODE}`);
      check((await lift.count()) === 1, `/supervision has no #lift-${COUNTY_CODE} form`);
      await lift.locator('input[name=reason]').fill('浏览器测试：已制定归还计划 / browser test: repayment planned');
      const [lifted] = await Promise.all([
        city.waitForNavigation({ waitUntil: 'load' }),
        lift.locator('button').first().click(),
      ]);
      check(lifted && lifted.status() === 200, `lifting the suspension answered ${lifted && lifted.status()}`);
      check((await city.locator(`#lift-${COUNTY_CODE}`).count()) === 0, `宣汉 is still suspended after the lift`);
      await screenshot(city, 'suspension-lifted');
    }
    const status = await sendAdvance();
    check(
      confirmations.some((c) => c.includes('确认记账')),
      `the advance was posted without asking first (asked: ${JSON.stringify(confirmations)})`,
    );
    check(status === 200, `the advance answered ${status}: ${(await mainText(city)).slice(0, 300)}`);
    check((await mainText(city)).includes(code), `the page after the advance (${city.url()}) does not name ${code}`);
  });

  await step('county-sees-ledger-change', county, async () => {
    check((await goto(county, '/ledger')) === 200, 'GET /ledger did not answer 200');
    check((await county.locator(advanceAccount()).count()) === 1, `the county ledger shows no advance account of ${code}`);
    const holdingAfter = await amount(county, holding);
    check(holdingAfter !== null, `the county ledger shows no ${holding}`);
    check(holdingAfter - (holdingBefore ?? 0) === advanced, `the county holding went from ${holdingBefore} to ${holdingAfter}, not up by the ${advanced} m² advanced`);
  });

  const other = await newUserPage(browser, USERS.otherCounty);
  await step('other-county-gets-not-found', other, async () => {
    await login(other, USERS.otherCounty);
    check((await goto(other, '/projects')) === 200, 'GET /projects did not answer 200');
    check(!(await mainText(other)).includes(code), `another county's project list shows ${code}`);
    const api = await other.request.get(`${BASE_URL}/api/projects/${code}`);
    check(api.status() === 404, `another county got /api/projects/${code} with ${api.status()}, not 404`);
    const status = await goto(other, `/projects/${code}`);
    check(status === 404, `another county opened /projects/${code} with ${status}, not 404`);
    check(!(await mainText(other)).includes(code), 'the not-found page shows the project');
  });

  await step('county-still-reads-its-project', county, async () => {
    check((await goto(county, `/projects/${code}`)) === 200, `the county cannot open its own ${code}`);
  });
}

await run(
  (browser) => scenario(browser, zip(failingFiles(EXAMPLE)), zip(passingFiles(EXAMPLE))),
  () => wiring.map((reason) => ({ name: 'wiring', reason })),
);
