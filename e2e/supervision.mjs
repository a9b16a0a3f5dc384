// The supervision scenario of issue 5 (SPEC §9, seed 三(二)), in headless Chromium against a fresh
// `guagou demo` (run by crates/guagou/tests/browser.rs; by hand:
// `BASE_URL=http://127.0.0.1:8080 PASSWORD=demo-… node e2e/supervision.mjs`).
//
// Inspection from finding to closure: the city (city@511700) records a construction inspection
// of a 宣汉 project with one finding and a rectification deadline; the page offers the city no
// closure before the county's rectification, and a closure sent anyway is refused (409
// not_allowed, named on the page: 当前状态“待整改”下不能关闭或销号); 宣汉 (xuanhan@511722) records the rectification; the city closes the finding and
// the inspection shows closed, on its page and in the list.
//
// Commendation and allocation: the city reads next year's allocation of a 1 000 000 m² linkage
// plan on /supervision/allocation, records a commendation (通报表扬) of 达川区 (511703) today,
// and reads the allocation again: 达川区's commendation weight, share and m² are higher, the
// others' lower or equal, and the sum is still the total.
//
// Each step prints ok/FAIL and takes a screenshot.

import {
  addDays,
  check,
  clickAndWait,
  goto,
  log,
  login,
  mainText,
  newUserPage,
  pathOf,
  run,
  screenshot,
  skipped,
  step,
} from './lib.mjs';

const CITY = 'city';
const COUNTY = { name: 'xuanhan', code: '511722', project: '511722-2018-002' };
/** The county commended: not suspended and not a poverty county in the demo, so the
 *  commendation is the only thing that changes its weight. */
const COMMENDED = '511703';
const TOTAL_M2 = 1000000;

/** Supervision pages (src/inspect/pages.rs). */
const PAGES = {
  inspections: '/supervision/inspections',
  inspection: (id) => `/supervision/inspections/${id}`,
  inspectionForm: '#inspection-form',
  rectify: (n) => `#rectify-${n}`,
  close: (n) => `#close-${n}`,
  refusal: '#refusal',
  notices: '/supervision/notices',
  noticeForm: '#notice-form',
  allocation: '/supervision/allocation',
  allocationQuery: '#allocation-query',
};

/** The state cell (5th column) of finding `n` on an inspection page. */
async function findingState(page, n) {
  const row = page.locator('#findings tbody tr').nth(n - 1);
  check((await row.count()) === 1, `the inspection page has no finding ${n}`);
  return ((await row.locator('td').nth(4).textContent()) || '').trim();
}

/** The state shown in the inspection's facts table (the row 状态). */
async function inspectionState(page) {
  const row = page.locator('#inspection tr', { hasText: '状态' }).last();
  return ((await row.textContent()) || '').trim();
}

/** The allocation rows shown for `year` and the scenario's total: county → {weight, share,
 *  allocated, commendations}. */
async function allocation(page, year) {
  check((await goto(page, PAGES.allocation)) === 200, `GET ${PAGES.allocation} did not answer 200`);
  const form = page.locator(PAGES.allocationQuery);
  check((await form.count()) === 1, `${PAGES.allocation} has no ${PAGES.allocationQuery} form`);
  if (year) await form.locator('input[name=year]').fill(String(year));
  await form.locator('input[name=total_m2]').fill(String(TOTAL_M2));
  const status = await clickAndWait(page, `${PAGES.allocationQuery} button`);
  check(status === 200, `computing the allocation answered ${status}: ${(await mainText(page)).slice(0, 300)}`);
  const shownYear = Number(await page.locator(`${PAGES.allocationQuery} input[name=year]`).inputValue());
  const rows = {};
  for (const row of await page.locator('#calculation tbody tr').all()) {
    const id = await row.locator('[id^="alloc-"]').getAttribute('id');
    const cells = await row.locator('td').allTextContents();
    rows[id.slice('alloc-'.length)] = {
      commendations: cells[3].trim(),
      weight: Number(cells[5].trim()),
      share: Number(cells[6].replace('%', '').trim()),
      allocated: Number(await row.locator('.allocated').getAttribute('data-m2')),
    };
  }
  return { year: shownYear, rows };
}

async function scenario(browser) {
  const city = await newUserPage(browser, CITY);
  const county = await newUserPage(browser, COUNTY.name);
  const state = {};

  await step('city-and-county-sign-in', city, async () => {
    await login(city, CITY);
    await login(county, COUNTY.name);
  });

  const recorded = await step('city-records-an-inspection-with-a-finding', city, async () => {
    check((await goto(city, PAGES.inspections)) === 200, `GET ${PAGES.inspections} did not answer 200`);
    const form = city.locator(PAGES.inspectionForm);
    check((await form.count()) === 1, `the city sees no ${PAGES.inspectionForm}`);
    state.today = await form.locator('input[name=inspected_on]').inputValue();
    check(/^\d{4}-\d{2}-\d{2}$/.test(state.today), `the form's date is ${state.today}`);
    state.deadline = addDays(state.today, 30);
    await form.locator('select[name=county]').selectOption(COUNTY.code);
    await form.locator('input[name=project]').fill(COUNTY.project);
    await form.locator('select[name=kind]').selectOption('construction');
    await form.locator('input[name=summary]').fill('浏览器测试：拆旧区复垦施工现场检查 / browser test: reclamation works');
    await form.locator('input[name=f1_description]').fill('复垦地块田坎未按设计砌筑 / terraces not built to the design');
    await form.locator('select[name=f1_severity]').selectOption('major');
    await form.locator('input[name=f1_deadline]').fill(state.deadline);
    await form.locator('input[name=reason]').fill('浏览器测试 / browser test');
    const status = await clickAndWait(city, `${PAGES.inspectionForm} button#record-inspection`);
    check(status === 200, `recording the inspection answered ${status}: ${(await mainText(city)).slice(0, 300)}`);
    const match = pathOf(city).match(/^\/supervision\/inspections\/(511722-JC-\d{4}-\d+)$/);
    check(match, `recording led to ${city.url()}, not a 宣汉 inspection page`);
    state.inspection = match[1];
    const facts = (await city.textContent('#inspection')) || '';
    check(facts.includes(COUNTY.project), `the inspection does not name ${COUNTY.project}`);
    check((await findingState(city, 1)).includes('待整改'), 'the finding is not 待整改 (open)');
    check((await city.textContent('#findings')).includes(state.deadline), `the deadline ${state.deadline} is not shown`);
    check((await inspectionState(city)).includes('1 项问题未销号'), 'the inspection does not show one finding open');
    log(`     (inspection ${state.inspection})`);
  });

  if (recorded) {
    await step('closing-before-rectification-is-refused', city, async () => {
      check((await city.locator(PAGES.close(1)).count()) === 0, 'the city is offered a closure before the rectification');
      check((await city.locator(PAGES.rectify(1)).count()) === 0, 'the city is offered the county\'s rectification form');
      // The page offers no closure; a closure sent anyway (a stale or hand-made form with the
      // session's token) must be refused by the server, not only hidden.
      const csrf = await city.locator('input[name=csrf]').first().getAttribute('value');
      const action = `${PAGES.inspection(state.inspection)}/findings/1/close`;
      const [response] = await Promise.all([
        city.waitForNavigation({ waitUntil: 'load' }),
        city.evaluate(
          ({ action, csrf, today }) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            for (const [name, value] of Object.entries({ csrf, note: '未整改即销号（应被拒绝）', closed_on: today })) {
              const input = document.createElement('input');
              input.type = 'hidden';
              input.name = name;
              input.value = value;
              form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
          },
          { action, csrf, today: state.today },
        ),
      ]);
      const status = response ? response.status() : 0;
      check(status === 409, `closing an open finding answered ${status}, not 409`);
      const refusal = (await city.textContent(PAGES.refusal)) || '';
      // The reason by name, in the reader's language (not the code not_allowed).
      check(refusal.includes('不能') && refusal.includes('待整改'), `the refusal does not say why: ${refusal}`);
      await screenshot(city, 'closure-refused');
      check((await goto(city, PAGES.inspection(state.inspection))) === 200, 'the inspection page did not answer 200');
      check((await findingState(city, 1)).includes('待整改'), 'the refused closure changed the finding');
    });

    await step('county-records-the-rectification', county, async () => {
      check((await goto(county, PAGES.inspections)) === 200, `GET ${PAGES.inspections} did not answer 200`);
      const link = `#inspections a[href="${PAGES.inspection(state.inspection)}"]`;
      check((await county.locator(link).count()) === 1, `宣汉's inspection list does not link ${state.inspection}`);
      check((await clickAndWait(county, link)) === 200, 'the inspection page did not answer 200 for 宣汉');
      check((await county.locator(PAGES.close(1)).count()) === 0, 'the county is offered the city\'s closure form');
      const form = county.locator(PAGES.rectify(1));
      check((await form.count()) === 1, `宣汉 sees no ${PAGES.rectify(1)} form`);
      await form.locator('input[name=rectification]').fill('已按设计重新砌筑田坎并复测 / terraces rebuilt and resurveyed');
      const status = await clickAndWait(county, `${PAGES.rectify(1)} button`);
      check(status === 200, `the rectification answered ${status}: ${(await mainText(county)).slice(0, 300)}`);
      check(pathOf(county) === PAGES.inspection(state.inspection), `the rectification led to ${county.url()}`);
      check((await findingState(county, 1)).includes('已整改待销号'), 'the finding is not 已整改待销号 (rectified)');
      check((await county.textContent('#findings')).includes('已按设计重新砌筑田坎'), 'the rectification is not shown');
    });

    await step('city-closes-the-finding-and-the-inspection-closes', city, async () => {
      check((await goto(city, PAGES.inspection(state.inspection))) === 200, 'the inspection page did not answer 200');
      const form = city.locator(PAGES.close(1));
      check((await form.count()) === 1, `the city sees no ${PAGES.close(1)} form after the rectification`);
      await form.locator('input[name=note]').fill('经复查整改到位，同意销号 / checked on site, closed');
      const status = await clickAndWait(city, `${PAGES.close(1)} button`);
      check(status === 200, `the closure answered ${status}: ${(await mainText(city)).slice(0, 300)}`);
      check((await findingState(city, 1)).includes('已销号'), 'the finding is not 已销号 (closed)');
      check((await inspectionState(city)).includes(`已办结 ${state.today}`), `the inspection does not show 已办结 ${state.today}`);
    });

    await step('inspection-list-shows-it-closed', county, async () => {
      check((await goto(county, PAGES.inspections)) === 200, `GET ${PAGES.inspections} did not answer 200`);
      const row = county.locator('#inspections tbody tr', { has: county.locator(`a[href="${PAGES.inspection(state.inspection)}"]`) });
      check((await row.count()) === 1, `the list has no row for ${state.inspection}`);
      check(((await row.textContent()) || '').includes('已办结'), `the list does not show ${state.inspection} closed`);
    });
  } else {
    for (const name of ['closing-before-rectification-is-refused', 'county-records-the-rectification', 'city-closes-the-finding']) {
      skipped(name, 'no inspection was recorded');
    }
  }

  const before = {};
  const read = await step('allocation-before-the-commendation', city, async () => {
    const { year, rows } = await allocation(city, null);
    before.year = year;
    before.rows = rows;
    if (state.today) {
      check(year === Number(state.today.slice(0, 4)) + 1, `the allocation page defaults to ${year}, not next year`);
    }
    const row = rows[COMMENDED];
    check(row, `the allocation shows no row for ${COMMENDED}`);
    check(row.weight > 0, `${COMMENDED} is suspended (weight ${row.weight}) in the demo`);
    const sum = Object.values(rows).reduce((s, r) => s + r.allocated, 0);
    check(sum === TOTAL_M2, `the rows sum to ${sum} m², not ${TOTAL_M2}`);
    log(`     (${year}: ${COMMENDED} weight ${row.weight}, ${row.share}%, ${row.allocated} m²)`);
  });

  const commended = await step('city-records-a-commendation', city, async () => {
    check((await goto(city, PAGES.notices)) === 200, `GET ${PAGES.notices} did not answer 200`);
    const form = city.locator(PAGES.noticeForm);
    check((await form.count()) === 1, `the city sees no ${PAGES.noticeForm}`);
    await form.locator('select[name=county]').selectOption(COMMENDED);
    await form.locator('select[name=kind]').selectOption('commendation');
    await form.locator('input[name=reason]').fill('浏览器测试：项目实施规范、按期验收 / browser test: exemplary implementation');
    const status = await clickAndWait(city, `${PAGES.noticeForm} button#record-notice`);
    check(status === 200, `recording the commendation answered ${status}: ${(await mainText(city)).slice(0, 300)}`);
    check(pathOf(city) === PAGES.notices, `recording led to ${city.url()}`);
    const id = decodeURIComponent(new URL(city.url()).hash.replace(/^#notice-/, ''));
    check(id.startsWith(`${COMMENDED}-TB-`), `the page points at notice "${id}"`);
    state.commendation = id;
    const row = city.locator('#notices tbody tr', { has: city.locator(`#notice-${id}`) });
    check(((await row.textContent()) || '').includes('通报表扬'), `notice ${id} is not listed as 通报表扬`);
  });

  if (read && commended) {
    await step('allocation-after-the-commendation-is-higher', city, async () => {
      const { year, rows } = await allocation(city, before.year);
      check(year === before.year, `the allocation shows ${year}, not ${before.year}`);
      const was = before.rows[COMMENDED];
      const now = rows[COMMENDED];
      check(now.commendations.includes(state.commendation), `the row of ${COMMENDED} does not name ${state.commendation}: ${now.commendations}`);
      check(now.weight > was.weight, `${COMMENDED}'s weight went ${was.weight} → ${now.weight}`);
      check(now.share > was.share, `${COMMENDED}'s share went ${was.share}% → ${now.share}%`);
      check(now.allocated > was.allocated, `${COMMENDED}'s allocation went ${was.allocated} → ${now.allocated} m²`);
      for (const [code, row] of Object.entries(rows)) {
        if (code !== COMMENDED) {
          check(row.allocated <= before.rows[code].allocated, `${code} gained ${before.rows[code].allocated} → ${row.allocated} m²`);
        }
      }
      const sum = Object.values(rows).reduce((s, r) => s + r.allocated, 0);
      check(sum === TOTAL_M2, `the rows sum to ${sum} m², not ${TOTAL_M2}`);
      log(`     (${year}: ${COMMENDED} weight ${was.weight} → ${now.weight}, ${was.share}% → ${now.share}%, ${was.allocated} → ${now.allocated} m²)`);
    });
  } else {
    skipped('allocation-after-the-commendation-is-higher', 'the allocation or the commendation step failed');
  }
}

await run(scenario);
