// The public-notice scenario of issue 5 (公示, SPEC §7 household lifecycle, seed 二(七)), in
// headless Chromium against a fresh `guagou demo` (run by crates/guagou/tests/browser.rs; by
// hand: `BASE_URL=… PASSWORD=demo-… DATA_DIR=<the demo's data directory> node e2e/notice.mjs`).
//
// An anonymous visitor (a browser context that never signs in) opens the demo's open notice of
// 511722-2019-003 from /public: the households of the project's package are listed with masked
// names and no full name of the package appears in the page (the names are read from
// DATA_DIR/demo-packages/511722-2019-003/households.csv when DATA_DIR is set). 宣汉
// (xuanhan@511722) publishes a new notice of the project on /notices/<code> with its standards
// and a households CSV; the visitor sees it, masked, files an objection with a name and a phone
// number and gets a receipt number; the staff page shows the objection with the full name and
// contact, and 宣汉 answers it there; the visitor sees the answer on the public page (objector
// masked, no contact) and through the receipt look-up. The visitor is sent to the login page
// from the staff page. On a 375 px phone the public pages do not scroll sideways, and the
// notice's A4 print view (issue 14 item 9) is reached by its 打印 link.
//
// Each step prints ok/FAIL and takes a screenshot.

import fs from 'node:fs';
import path from 'node:path';
import {
  addDays,
  check,
  clickAndWait,
  goto,
  log,
  login,
  mainText,
  newUserPage,
  pageErrors,
  pathOf,
  run,
  skipped,
  step,
} from './lib.mjs';

const COUNTY = 'xuanhan';
/** The demo project with an open notice (Registry::demo_notice) and its villages. */
const CODE = '511722-2019-003';
const VILLAGES = ['511722112201', '511722112202', '511722112203'];

/** The households the county uploads: full names of 2, 3 and 4 characters and a non-Han name,
 *  with the masks the public page must show instead (guagou_domain::notice::mask_name). */
const UPLOADED = [
  { name: '张三丰', masked: '张*丰' },
  { name: '欧阳娜娜', masked: '欧**娜' },
  { name: '李四', masked: '李*' },
  { name: 'John Smith', masked: 'J*** S****' },
];
const HOUSEHOLDS_CSV = [
  'id,name,village,persons,consent,method',
  `E2E-0001,张三丰,${VILLAGES[0]},4,同意,集中安置`,
  `E2E-0002,欧阳娜娜,${VILLAGES[1]},3,同意,货币安置`,
  `E2E-0003,李四,${VILLAGES[2]},2,同意,集中安置`,
  `E2E-0004,John Smith,${VILLAGES[0]},1,未表态,`,
  '',
].join('\n');

/** The objector: the public sees 赵*柱 and never the name or the phone number. */
const OBJECTOR = { name: '赵铁柱', masked: '赵*柱', contact: '13800001234' };
const OBJECTION = '浏览器测试：我家房屋面积测量有误，请复核。/ browser test: please re-measure my house.';
const ANSWER = '浏览器测试：经实地复核，面积已更正，补偿款相应调整。/ browser test: re-measured and corrected.';

/** The full names of the demo package's households (the demo writes the package into the data
 *  directory); a few known ones when DATA_DIR is not given. */
function packageNames() {
  const file = process.env.DATA_DIR && path.join(process.env.DATA_DIR, 'demo-packages', CODE, 'households.csv');
  if (!file || !fs.existsSync(file)) {
    log(`     (DATA_DIR not given or no ${CODE}/households.csv: checking the demo's first names only)`);
    return ['王明', '李华', '张强', '刘芳'];
  }
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const column = header.split(',').indexOf('name');
  check(column >= 0, `${file} has no name column`);
  return [...new Set(lines.map((l) => l.split(',')[column].trim()).filter((n) => n.length > 0))];
}

/** The public page's whole HTML (attributes and scripts included, not only the visible text). */
async function html(page) {
  return page.content();
}

async function openPublicNotice(visitor) {
  check((await goto(visitor, '/public')) === 200, 'GET /public did not answer 200 without a session');
  const link = `#current-notices a[href="/public/projects/${CODE}"]`;
  check((await visitor.locator(link).count()) === 1, `/public lists no open notice of ${CODE}`);
  check((await clickAndWait(visitor, link)) === 200, `/public/projects/${CODE} did not answer 200`);
  check(pathOf(visitor) === `/public/projects/${CODE}`, `the link led to ${visitor.url()}`);
}

async function scenario(browser) {
  const staff = await newUserPage(browser, COUNTY);
  const visitor = await newUserPage(browser, 'anonymous');
  const state = {};

  await step('anonymous-visitor-opens-the-demo-notice', visitor, async () => {
    await openPublicNotice(visitor);
    check((await visitor.locator('#notice-households tbody tr').count()) > 0, 'the notice lists no households');
    const names = packageNames();
    check(names.length > 0, 'no household names to look for');
    const page = await html(visitor);
    const shown = names.filter((n) => page.includes(n));
    check(shown.length === 0, `the public page shows full names of the package: ${shown.slice(0, 5).join(', ')}`);
    const masked = `${[...names[0]][0]}*`;
    check(((await visitor.textContent('#notice-households')) || '').includes(masked), `the households table shows no ${masked}`);
    check((await visitor.locator('#objection-form').count()) === 1, 'the open notice shows no objection form');
    const cookies = await visitor.context().cookies();
    check(!cookies.some((c) => c.name === 'guagou_session'), 'the visitor has a session cookie');
    log(`     (${names.length} package names absent from the public page)`);
  });

  // Issue 14 item 9: on a phone (375 px) the public pages do not scroll sideways (tables scroll
  // in their wrapper), and the notice has an A4 print view with a 打印 button; printed, the
  // notice page shows neither the header nor the forms.
  const phone = await (await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 812 } })).newPage();
  phone.setDefaultTimeout(15000);
  phone.on('pageerror', (error) => pageErrors.push(`phone ${phone.url()}: ${error.message}`));
  await step('the-public-pages-fit-a-375-px-phone', phone, async () => {
    for (const route of ['/public', `/public/projects/${CODE}`, `/public/projects/${CODE}/print`]) {
      check((await goto(phone, route)) === 200, `GET ${route} did not answer 200`);
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 375, `${route} is ${width} px wide at 375 px: it scrolls sideways`);
    }
  });
  await step('the-notice-prints-on-a4', phone, async () => {
    check((await goto(phone, `/public/projects/${CODE}`)) === 200, `GET /public/projects/${CODE} did not answer 200`);
    check((await phone.locator('#notice-print').count()) === 1, 'the notice page has no 打印 link (#notice-print)');
    await phone.emulateMedia({ media: 'print' });
    check(!(await phone.locator('header').isVisible()), 'printed, the notice page still shows its header');
    check(!(await phone.locator('#objection-form').isVisible()), 'printed, the notice page still shows the objection form');
    await phone.emulateMedia({ media: 'screen' });
    check((await clickAndWait(phone, '#notice-print')) === 200, 'the print view did not answer 200');
    check(pathOf(phone) === `/public/projects/${CODE}/print`, `the 打印 link led to ${phone.url()}`);
    check(((await phone.textContent('#print-button')) || '').includes('打印'), 'the print view has no 打印 button');
    check(((await phone.textContent('#print-households')) || '').includes('*'), 'the print view lists no masked households');
    await phone.emulateMedia({ media: 'print' });
    check(!(await phone.locator('#print-button').isVisible()), 'printed, the print view still shows its button');
    await phone.emulateMedia({ media: 'screen' });
  });

  await step('anonymous-visitor-is-sent-to-login-from-the-staff-page', visitor, async () => {
    await goto(visitor, `/notices/${CODE}`);
    check(pathOf(visitor) === '/login', `an anonymous GET /notices/${CODE} ended on ${visitor.url()}, not /login`);
  });

  const published = await step('county-publishes-a-notice-with-households', staff, async () => {
    await login(staff, COUNTY);
    check((await goto(staff, `/notices/${CODE}`)) === 200, `GET /notices/${CODE} did not answer 200`);
    const form = staff.locator('#publish-form');
    check((await form.count()) === 1, `宣汉 sees no #publish-form on /notices/${CODE}`);
    state.today = await staff.locator('#publish-starts_on').inputValue();
    check(/^\d{4}-\d{2}-\d{2}$/.test(state.today), `the form's start date is ${state.today}`);
    state.ends = addDays(state.today, 14);
    await staff.fill('#publish-ends_on', state.ends);
    await staff.fill('#publish-standards', '砖混结构房屋补偿, 700, 平方米\n搬迁奖励, 6000, 户\n临时过渡费, 350, 人');
    await staff.fill('#publish-standards_text', '浏览器测试：依据县拆迁补偿安置办法 / browser test');
    await staff.fill('#publish-contact', '宣汉县国土资源局 浏览器测试 0818-5200000');
    await staff.setInputFiles('#publish-households', {
      name: 'households.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(HOUSEHOLDS_CSV, 'utf8'),
    });
    const status = await clickAndWait(staff, '#publish-submit');
    check(status === 200, `publishing answered ${status}: ${(await mainText(staff)).slice(0, 300)}`);
    check(pathOf(staff) === `/notices/${CODE}`, `publishing led to ${staff.url()}`);
    const meta = (await staff.textContent('#notice-meta')) || '';
    check(meta.includes('上传的农户名单') || meta.includes('an uploaded list'), `the staff page does not say the households came from the upload: ${meta}`);
    check(((await staff.textContent('#notice-period')) || '').includes(state.ends), `the period does not end on ${state.ends}`);
  });

  if (published) {
    await step('anonymous-visitor-sees-the-new-notice-masked', visitor, async () => {
      await openPublicNotice(visitor);
      check(((await visitor.textContent('#notice-period')) || '').includes(state.ends), 'the public page shows the old period');
      check(((await visitor.textContent('#notice-standards')) || '').includes('700.00'), 'the new standards are not shown');
      const page = await html(visitor);
      const households = (await visitor.textContent('#notice-households')) || '';
      for (const { name, masked } of UPLOADED) {
        check(!page.includes(name), `the public page shows the full name ${name}`);
        check(households.includes(masked), `the households table does not show ${masked}`);
      }
      check(!page.includes('E2E-000'), 'the public page shows household ids');
    });
  } else {
    skipped('anonymous-visitor-sees-the-new-notice-masked', 'the notice was not published');
  }

  const filed = await step('anonymous-visitor-files-an-objection', visitor, async () => {
    if (pathOf(visitor) !== `/public/projects/${CODE}`) await openPublicNotice(visitor);
    const form = visitor.locator('#objection-form');
    check((await form.count()) === 1, 'the open notice shows no #objection-form');
    await visitor.fill('#objection-name', OBJECTOR.name);
    await visitor.fill('#objection-contact', OBJECTOR.contact);
    await visitor.fill('#objection-text', OBJECTION);
    const status = await clickAndWait(visitor, '#objection-submit');
    check(status === 200, `filing answered ${status}: ${(await mainText(visitor)).slice(0, 300)}`);
    const match = pathOf(visitor).match(/^\/public\/objections\/(GS-511722-2019-003-[0-9A-Fa-f]{8})$/);
    check(match, `filing led to ${visitor.url()}, not a receipt page`);
    state.receipt = match[1];
    check(((await visitor.textContent('#receipt')) || '').trim() === state.receipt, 'the receipt page does not show the receipt number');
    check(((await visitor.textContent('#objection-status')) || '').includes('待答复'), 'the objection is not 待答复 (waiting)');
    const page = await html(visitor);
    check(page.includes(OBJECTOR.masked), `the receipt page does not show the objector as ${OBJECTOR.masked}`);
    check(!page.includes(OBJECTOR.name) && !page.includes(OBJECTOR.contact), 'the receipt page shows the objector\'s name or phone');
    log(`     (receipt ${state.receipt})`);
  });

  if (filed) {
    await step('county-answers-the-objection', staff, async () => {
      check((await goto(staff, `/notices/${CODE}`)) === 200, `GET /notices/${CODE} did not answer 200`);
      const row = staff.locator('#objections tbody tr', { has: staff.locator(`#objection-${state.receipt}`) });
      check((await row.count()) === 1, `the staff page lists no objection ${state.receipt}`);
      const text = (await row.textContent()) || '';
      check(text.includes(OBJECTOR.name) && text.includes(OBJECTOR.contact), 'staff do not see the objector\'s name and contact');
      check(text.includes('待答复'), 'the objection is not waiting');
      const form = row.locator(`form[action="/notices/objections/${state.receipt}/answer"]`);
      check((await form.count()) === 1, `no answer form for ${state.receipt}`);
      await form.locator('textarea[name=answer]').fill(ANSWER);
      const [response] = await Promise.all([staff.waitForNavigation({ waitUntil: 'load' }), form.locator('button').click()]);
      const status = response ? response.status() : 0;
      check(status === 200, `answering answered ${status}: ${(await mainText(staff)).slice(0, 300)}`);
      const after = staff.locator('#objections tbody tr', { has: staff.locator(`#objection-${state.receipt}`) });
      const answered = (await after.textContent()) || '';
      check(answered.includes('已答复') && answered.includes(ANSWER), 'the staff page does not show the answer');
    });

    await step('anonymous-visitor-sees-the-answer-on-the-public-page', visitor, async () => {
      check((await goto(visitor, `/public/projects/${CODE}`)) === 200, `/public/projects/${CODE} did not answer 200`);
      const answers = visitor.locator('#answers');
      check((await answers.count()) === 1, 'the public page has no #answers section');
      const row = answers.locator('tbody tr', { has: visitor.locator(`a[href="/public/objections/${state.receipt}"]`) });
      check((await row.count()) === 1, `the public answers do not list ${state.receipt}`);
      const text = (await row.textContent()) || '';
      check(text.includes(ANSWER), 'the public page does not show the answer');
      check(text.includes(OBJECTION), 'the public page does not show the objection');
      check(text.includes(OBJECTOR.masked), `the public page does not show the objector as ${OBJECTOR.masked}`);
      const page = await html(visitor);
      check(!page.includes(OBJECTOR.name), 'the public page shows the objector\'s full name');
      check(!page.includes(OBJECTOR.contact), 'the public page shows the objector\'s phone number');
      for (const { name } of UPLOADED) check(!page.includes(name), `the public page shows the full name ${name}`);
    });

    await step('anonymous-visitor-looks-up-the-receipt', visitor, async () => {
      check((await goto(visitor, '/public')) === 200, 'GET /public did not answer 200');
      const form = visitor.locator('#receipt-lookup');
      check((await form.count()) === 1, '/public has no #receipt-lookup form');
      await form.locator('input[name=receipt]').fill(state.receipt.toLowerCase());
      const status = await clickAndWait(visitor, '#receipt-lookup button');
      check(status === 200, `the look-up answered ${status}`);
      check(pathOf(visitor) === `/public/objections/${state.receipt}`, `the look-up led to ${visitor.url()}`);
      check(((await visitor.textContent('#objection-status')) || '').includes('已答复'), 'the receipt page does not show 已答复 (answered)');
      check(((await visitor.textContent('#objection-answer')) || '').includes(ANSWER), 'the receipt page does not show the answer');
    });
  } else {
    for (const name of ['county-answers-the-objection', 'anonymous-visitor-sees-the-answer', 'anonymous-visitor-looks-up-the-receipt']) {
      skipped(name, 'no objection was filed');
    }
  }
}

await run(scenario);
