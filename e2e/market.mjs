// The transfer-market scenario of issue 5 (SPEC §8 "Market", policy 二(三)), in headless Chromium
// against a fresh `guagou demo` (run by crates/guagou/tests/browser.rs; by hand:
// `BASE_URL=http://127.0.0.1:8080 PASSWORD=demo-… node e2e/market.mjs`).
//
// 宣汉 (xuanhan@511722) publishes a listing from its holding on /market: a reserve price below
// the guide price is refused on the page (TRANSFER_PRICE_FLOOR), the guide price is accepted and
// the quota goes into escrow; 渠县 (quxian@511725) offers on the listing page; 宣汉 accepts the
// offer into an agreement with a two-instalment payment schedule, settles it and records the
// first payment; 渠县's ledger shows the quota. A second listing, published two days ago with a
// period that closed yesterday (writes are never dated after today), expires when the expiry
// step runs today, and its quota returns to 宣汉's holding.
//
// Dates are the pages' own defaults ("today" in UTC+8, read from the forms), so the run does
// not depend on the machine's time zone. Each step prints ok/FAIL and takes a screenshot.

import {
  addDays,
  check,
  clickAndWait,
  goto,
  ledgerBalance,
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

const SELLER = { name: 'xuanhan', code: '511722' };
const BUYER = { name: 'quxian', code: '511725' };
const holding = (code) => `holding:${code}`;
const listed = (id) => `listed:${id}`;

/** Amounts of the scenario (m²); 宣汉 holds about 30 000 m² in the demo. */
const SOLD_M2 = 5000;
const EXPIRING_M2 = 1000;
/** How far below the guide price the refused reserve price is (元/亩). */
const BELOW_GUIDE_YUAN = 1000;

/** Market pages (src/market/pages.rs). */
const MARKET = {
  publishForm: '#publish-form',
  expireForm: '#expire-form',
  refusal: '#refusal',
  listingState: '#listing-state',
  listedBalance: '#listed-balance',
  offerForm: '#offer-form',
  acceptForm: (offer) => `#accept-${offer}`,
  agreementState: '#agreement-state',
  settleForm: '#settle-form',
  paymentForm: '#payment-form',
  expired: '#expired',
};

/** 元 text ("2250000.00") to 分, and back. */
function yuanToFen(text) {
  const [whole, fraction = ''] = text.trim().replace(/,/g, '').split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}
function fenToYuan(fen) {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** Fills the publish form of /market and sends it; returns the response status. `publishedOn`
 * (also the period's first day) is the form's default, today, unless given. */
async function publish(page, { amountM2, reserveYuan, closesOn, contact, publishedOn }) {
  check((await goto(page, '/market')) === 200, 'GET /market did not answer 200');
  const form = page.locator(MARKET.publishForm);
  check((await form.count()) === 1, `/market shows no ${MARKET.publishForm} to the county land bureau`);
  await form.locator('input[name=amount_m2]').fill(String(amountM2));
  await form.locator('input[name=reserve_price_yuan_per_mu]').fill(reserveYuan);
  if (publishedOn) {
    await form.locator('input[name=as_of]').fill(publishedOn);
    await form.locator('input[name=opens_on]').fill(publishedOn);
  }
  await form.locator('input[name=closes_on]').fill(closesOn);
  await form.locator('input[name=contact]').fill(contact);
  return clickAndWait(page, `${MARKET.publishForm} button`);
}

/** The listing id of the listing page the browser is on. */
function listingIdOf(page) {
  const match = pathOf(page).match(/^\/market\/listings\/(GP-[0-9]{6}-[0-9]{4}-[0-9]{3})$/);
  check(match, `publishing led to ${page.url()}, not a listing page`);
  return match[1];
}

async function scenario(browser) {
  const seller = await newUserPage(browser, SELLER.name);
  const buyer = await newUserPage(browser, BUYER.name);
  const state = {};

  await step('seller-and-buyer-sign-in', seller, async () => {
    await login(seller, SELLER.name);
    await login(buyer, BUYER.name);
    state.sellerBefore = await ledgerBalance(seller, holding(SELLER.code));
    state.buyerBefore = await ledgerBalance(buyer, holding(BUYER.code));
    check(state.sellerBefore >= SOLD_M2 + EXPIRING_M2, `宣汉 holds only ${state.sellerBefore} m²`);
    log(`     (宣汉 holds ${state.sellerBefore} m², 渠县 ${state.buyerBefore} m²)`);
  });

  await step('publish-below-guide-price-is-refused', seller, async () => {
    check((await goto(seller, '/market')) === 200, 'GET /market did not answer 200');
    const form = seller.locator(MARKET.publishForm);
    check((await form.count()) === 1, `/market shows no ${MARKET.publishForm}`);
    // The form offers the guide price in force today and today's date: the scenario uses both.
    state.guideYuan = await form.locator('input[name=reserve_price_yuan_per_mu]').inputValue();
    state.today = await form.locator('input[name=as_of]').inputValue();
    check(yuanToFen(state.guideYuan) > 0, `the publish form offers no guide price (${state.guideYuan})`);
    check(/^\d{4}-\d{2}-\d{2}$/.test(state.today), `the publish form's date is ${state.today}`);
    const below = fenToYuan(yuanToFen(state.guideYuan) - BELOW_GUIDE_YUAN * 100);
    const status = await publish(seller, {
      amountM2: SOLD_M2,
      reserveYuan: below,
      closesOn: addDays(state.today, 30),
      contact: '宣汉县国土资源局 浏览器测试 0818-1234567',
    });
    check(status === 422, `a reserve price of ${below} 元/亩 (guide ${state.guideYuan}) answered ${status}, not 422`);
    const refusal = (await seller.locator(MARKET.refusal).textContent()) || '';
    check(refusal.includes('TRANSFER_PRICE_FLOOR'), `the refusal does not name TRANSFER_PRICE_FLOOR: ${refusal}`);
    check(refusal.includes('二(三)'), `the refusal does not cite 二(三): ${refusal}`);
    await screenshot(seller, 'refusal-shown');
    const after = await ledgerBalance(seller, holding(SELLER.code));
    check(after === state.sellerBefore, `the refused listing moved quota: holding ${state.sellerBefore} → ${after}`);
  });

  const published = await step('publish-at-guide-price', seller, async () => {
    const status = await publish(seller, {
      amountM2: SOLD_M2,
      reserveYuan: state.guideYuan,
      closesOn: addDays(state.today, 30),
      contact: '宣汉县国土资源局 浏览器测试 0818-1234567',
    });
    check(status === 200, `publishing at the guide price answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
    state.listing = listingIdOf(seller);
    check((await seller.textContent(MARKET.listingState)).includes('挂牌中'), 'the new listing is not 挂牌中 (open)');
    // Areas are shown with thousands separators (5,000 m²).
    const shown = `${SOLD_M2.toLocaleString('en-US')} m²`;
    check((await seller.textContent(MARKET.listedBalance)).includes(shown), `the escrow does not hold ${shown}`);
    log(`     (listing ${state.listing})`);
  });

  if (published) {
    await step('seller-holding-moves-into-escrow', seller, async () => {
      const now = await ledgerBalance(seller, holding(SELLER.code));
      check(now === state.sellerBefore - SOLD_M2, `宣汉's holding went ${state.sellerBefore} → ${now}, not down by ${SOLD_M2}`);
      const escrow = await ledgerBalance(seller, listed(state.listing));
      check(escrow === SOLD_M2, `the escrow account ${listed(state.listing)} shows ${escrow} m²`);
    });

    await step('buyer-finds-the-listing-and-offers', buyer, async () => {
      check((await goto(buyer, '/market')) === 200, 'GET /market did not answer 200');
      // The buyer narrows the listings to those open, with the list's state filter.
      await buyer.selectOption('#listings-filters select[name=state]', 'open');
      check((await clickAndWait(buyer, '#listings-apply')) === 200, 'filtering the listings did not answer 200');
      const link = `#listings-table a[href="/market/listings/${state.listing}"]`;
      check((await buyer.locator(link).count()) === 1, `渠县 does not see ${state.listing} among the open listings`);
      check((await clickAndWait(buyer, link)) === 200, `the listing page answered non-200 for 渠县`);
      const form = buyer.locator(MARKET.offerForm);
      check((await form.count()) === 1, `the listing page shows 渠县 no ${MARKET.offerForm}`);
      check(
        (await form.locator('input[name=amount_m2]').inputValue()) === String(SOLD_M2),
        'the offer form does not offer the amount listed',
      );
      check(
        yuanToFen(await form.locator('input[name=price_yuan_per_mu]').inputValue()) === yuanToFen(state.guideYuan),
        'the offer form does not offer the reserve price',
      );
      await form.locator('input[name=contact]').fill('渠县国土资源局 浏览器测试 0818-7654321');
      const status = await clickAndWait(buyer, `${MARKET.offerForm} button`);
      check(status === 200, `the offer answered ${status}: ${(await mainText(buyer)).slice(0, 300)}`);
      check(pathOf(buyer) === `/market/listings/${state.listing}`, `the offer led to ${buyer.url()}`);
      const offers = (await buyer.textContent('#offers')) || '';
      const match = offers.match(new RegExp(`${state.listing}-O\\d+`));
      check(match, `the listing page shows 渠县 no offer: ${offers.slice(0, 300)}`);
      state.offer = match[0];
      check(offers.includes('待选'), 'the new offer is not 待选 (open)');
    });

    await step('seller-accepts-the-offer-with-a-payment-schedule', seller, async () => {
      check(state.offer, 'no offer to accept');
      check((await goto(seller, `/market/listings/${state.listing}`)) === 200, 'the listing page did not answer 200');
      const form = seller.locator(MARKET.acceptForm(state.offer));
      check((await form.count()) === 1, `the seller sees no ${MARKET.acceptForm(state.offer)} form`);
      // The form proposes one instalment today of the whole price: split it in two.
      const proposed = (await form.locator('textarea[name=schedule]').inputValue()).trim().split(/\s+/);
      check(proposed.length === 2 && proposed[0] === state.today, `the proposed schedule is "${proposed.join(' ')}"`);
      state.totalFen = yuanToFen(proposed[1]);
      const expectedFen = Math.round((SOLD_M2 * 15 * yuanToFen(state.guideYuan)) / 10000);
      check(state.totalFen === expectedFen, `the proposed total ${proposed[1]} 元 is not ${SOLD_M2} m² × ${state.guideYuan} 元/亩`);
      state.firstFen = Math.floor(state.totalFen / 2);
      const schedule = [
        `${addDays(state.today, 30)} ${fenToYuan(state.firstFen)}`,
        `${addDays(state.today, 90)} ${fenToYuan(state.totalFen - state.firstFen)}`,
      ].join('\n');
      await form.locator('textarea[name=schedule]').fill(schedule);
      const status = await clickAndWait(seller, `${MARKET.acceptForm(state.offer)} button`);
      check(status === 200, `signing answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
      const match = pathOf(seller).match(/^\/market\/agreements\/(.+-A\d+)$/);
      check(match, `signing led to ${seller.url()}, not an agreement page`);
      state.agreement = match[1];
      check((await seller.textContent(MARKET.agreementState)).includes('已签订'), 'the agreement is not 已签订 (signed)');
      check((await seller.textContent('#total')).includes(fenToYuan(state.totalFen)), 'the total is not shown');
      const rows = await seller.locator('#schedule tbody tr').count();
      check(rows === 2, `the schedule shows ${rows} instalments, not 2`);
    });

    await step('buyer-reads-the-agreement-but-may-not-settle', buyer, async () => {
      check(state.agreement, 'no agreement');
      check((await goto(buyer, `/market/agreements/${state.agreement}`)) === 200, 'the buyer cannot open the agreement');
      check((await buyer.textContent(MARKET.agreementState)).includes('已签订'), 'the buyer does not see the signed state');
      check((await buyer.locator(MARKET.settleForm).count()) === 0, 'the buyer is offered the settle form');
    });

    await step('seller-settles', seller, async () => {
      check(state.agreement, 'no agreement');
      check((await goto(seller, `/market/agreements/${state.agreement}`)) === 200, 'the agreement page did not answer 200');
      check((await seller.locator(MARKET.settleForm).count()) === 1, `the seller sees no ${MARKET.settleForm}`);
      const status = await clickAndWait(seller, `${MARKET.settleForm} button`);
      check(status === 200, `settling answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
      check((await seller.textContent(MARKET.agreementState)).includes('已结算'), 'the agreement is not 已结算 (settled)');
      check((await seller.locator('a[href^="/ledger/entries/"]').count()) > 0, 'the settled agreement links no ledger entry');
    });

    await step('seller-records-the-first-payment', seller, async () => {
      const form = seller.locator(MARKET.paymentForm);
      check((await form.count()) === 1, `the seller sees no ${MARKET.paymentForm}`);
      check((await form.locator('input[name=instalment]').inputValue()) === '1', 'the payment form does not start with instalment 1');
      check(
        yuanToFen(await form.locator('input[name=amount_yuan]').inputValue()) === state.firstFen,
        'the payment form does not offer the first instalment',
      );
      const status = await clickAndWait(seller, `${MARKET.paymentForm} button`);
      check(status === 200, `recording the payment answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
      check((await seller.textContent('#received')).includes(fenToYuan(state.firstFen)), 'the received amount is not shown');
      check((await seller.locator('#payments tbody tr').count()) === 1, 'the payment is not listed');
    });

    await step('buyer-ledger-shows-the-quota', buyer, async () => {
      const now = await ledgerBalance(buyer, holding(BUYER.code));
      check(now === state.buyerBefore + SOLD_M2, `渠县's holding went ${state.buyerBefore} → ${now}, not up by ${SOLD_M2}`);
    });

    await step('seller-ledger-after-settlement', seller, async () => {
      const now = await ledgerBalance(seller, holding(SELLER.code));
      check(now === state.sellerBefore - SOLD_M2, `宣汉's holding is ${now}, not ${state.sellerBefore - SOLD_M2}`);
      const escrow = await ledgerBalance(seller, listed(state.listing));
      check(escrow === 0, `the settled listing's escrow still holds ${escrow} m²`);
      check((await goto(seller, `/market/listings/${state.listing}`)) === 200, 'the listing page did not answer 200');
      check((await seller.textContent(MARKET.listingState)).includes('已结算'), 'the listing is not 已结算 (settled)');
    });
  } else {
    for (const name of ['buyer-offers', 'seller-signs', 'seller-settles', 'buyer-ledger-shows-the-quota']) {
      skipped(name, 'the listing was not published');
    }
  }

  // Writes are never dated after today, so the short listing is published two days ago and
  // its period closed yesterday: today's expiry run finds it past its period.
  const second = await step('publish-a-listing-that-closed-yesterday', seller, async () => {
    check(state.today, 'no date read from the publish form');
    const status = await publish(seller, {
      amountM2: EXPIRING_M2,
      reserveYuan: state.guideYuan,
      publishedOn: addDays(state.today, -2),
      closesOn: addDays(state.today, -1),
      contact: '宣汉县国土资源局 浏览器测试（短期公告）',
    });
    check(status === 200, `publishing answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
    state.expiring = listingIdOf(seller);
    check(state.expiring !== state.listing, 'the second listing has the first one\'s id');
    check((await seller.textContent(MARKET.listingState)).includes('挂牌中'), 'the second listing is not open');
  });

  if (second) {
    await step('expiry-run-today-returns-the-quota', seller, async () => {
      // What every escrow of 宣汉 holds now: the run may also expire the demo's own open
      // listing, whose quota returns too.
      check((await goto(seller, '/ledger')) === 200, 'GET /ledger did not answer 200');
      const escrows = {};
      for (const element of await seller.locator('[data-account^="listed:"]').all()) {
        const key = await element.getAttribute('data-account');
        escrows[key.slice('listed:'.length)] = Number(((await element.textContent()) || '').replace(/[^0-9-]/g, ''));
      }
      check(escrows[state.expiring] === EXPIRING_M2, `the second listing's escrow holds ${escrows[state.expiring]} m²`);
      const holdingBefore = await ledgerBalance(seller, holding(SELLER.code));

      check((await goto(seller, '/market')) === 200, 'GET /market did not answer 200');
      const form = seller.locator(MARKET.expireForm);
      check((await form.count()) === 1, `/market shows no ${MARKET.expireForm}`);
      await form.locator('input[name=as_of]').fill(state.today);
      const status = await clickAndWait(seller, `${MARKET.expireForm} button`);
      check(status === 200, `the expiry run answered ${status}: ${(await mainText(seller)).slice(0, 300)}`);
      const expired = [];
      for (const link of await seller.locator(`${MARKET.expired} a`).all()) expired.push(((await link.textContent()) || '').trim());
      check(expired.includes(state.expiring), `the run did not expire ${state.expiring}: [${expired.join(', ')}]`);
      check(!expired.includes(state.listing), `the run expired the settled listing ${state.listing}`);
      await screenshot(seller, 'expired-listings');

      const returned = expired.reduce((sum, id) => sum + (escrows[id] ?? 0), 0);
      const holdingAfter = await ledgerBalance(seller, holding(SELLER.code));
      check(
        holdingAfter === holdingBefore + returned,
        `宣汉's holding went ${holdingBefore} → ${holdingAfter}, not up by the ${returned} m² of [${expired.join(', ')}]`,
      );
      check((await goto(seller, `/market/listings/${state.expiring}`)) === 200, 'the expired listing did not answer 200');
      check((await seller.textContent(MARKET.listingState)).includes('已到期'), 'the listing is not 已到期 (expired)');
      check((await seller.textContent(MARKET.listedBalance)).startsWith('0 m²'), 'the expired listing\'s escrow is not empty');
    });
  } else {
    skipped('expiry-run-today-returns-the-quota', 'the second listing was not published');
  }
}

await run(scenario);
