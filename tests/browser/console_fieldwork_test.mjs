// The console's Field work page in a real Chromium, against the world of office_world.mjs
// and, on ann's phone with `fieldsync`, three more payments around the estate's local
// midnight of 2026-11-28 (one from the household named as markup) and a void of an
// earlier one. In Chinese: the payments and the visits of ann on that day are exactly
// those `fieldsync-server list ... --where collector=ann --since DAY --until DAY --json`
// selects; a receipt looked up by its number shows its household and amount, a voided one
// its void, an unknown one says so; the voids show the report's duplicate voids; the
// owner named as markup stays text. Then in English after the language switch.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kHostileOwner, kHouseholds, kManager, kPassword, kPeriod} from './office_world.mjs';

const kDay = '2026-11-28';
const h = (name) => kHouseholds[name][0];

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

// The page shown for `hash`, loaded.
const shown = (page, hash) => page.waitForFunction(
    (wanted) => window.location.hash === wanted &&
        document.querySelector('#page-fieldwork').dataset.state === 'ready' &&
        !document.querySelector('#page-fieldwork').hidden,
    {timeout: 20_000}, hash);

const listedIds = (page) =>
    page.$$eval('#fieldwork-list tbody tr', (rows) => rows.map((r) => r.dataset.record).sort());

// The ids the server's command line selects: `list COLLECTION --where ... --json`.
async function selectedByCli(t, collection, args) {
  const out = JSON.parse(await t.serverCommand(['list', collection, ...args, '--json']));
  return out.records;
}

async function setDay(page, day) {
  await page.$eval('#fieldwork-day', (e, value) => {
    e.value = value;
    e.dispatchEvent(new Event('change'));
  }, day);
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  // ann's work around the local midnight of the 28th (Asia/Shanghai): 23:50 on the 28th
  // and 00:10 on the 29th are one day in UTC, two days at the estate.
  const ann = (...args) => t.fieldCommand('ann', args);
  await ann('pay', '--household', h('hostile'), '--amount', '60.00', '--at', `${kDay}T10:00`);
  await ann('pay', '--household', h('zhao'), '--amount', '20.00', '--at', `${kDay}T23:50`);
  await ann('pay', '--household', h('li'), '--amount', '30.00', '--at', '2026-11-29T00:10');
  const before = await selectedByCli(t, 'payments', ['--where', `household=${h('zhao')}`]);
  const zhaoPaid = before.find((p) => p.fields.amount === 12000);
  assert.ok(zhaoPaid, 'ann took 120.00 from Zhao on the 12th');
  await ann('void', '--payment', zhaoPaid.id, '--reason', '重复录入');
  await ann('sync');

  const cliSelection = ['--where', 'collector=ann', '--since', kDay, '--until', kDay];
  const annsPayments = await selectedByCli(t, 'payments', cliSelection);
  const annsVisits = await selectedByCli(t, 'fee_visits', cliSelection);
  assert.equal(annsPayments.length, 2, 'two of ann\'s payments are on the 28th at the estate');
  assert.equal(annsVisits.length, 2);
  const hostilePaid = annsPayments.find((p) => p.fields.household === h('hostile'));
  assert.ok(hostilePaid);

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 1000});
  await page.goto(`${server.url}/#/fieldwork`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await shown(page, '#/fieldwork');
  assert.equal(await textOf(page, '#page-title'), '外勤记录');
  assert.equal(await textOf(page, '#nav a[aria-current="page"]'), '外勤');
  const all = await selectedByCli(t, 'payments', []);
  assert.equal(
      await page.$eval('[data-figure="fieldwork-total"]', (e) => Number(e.dataset.value)),
      all.length);

  // ann's payments on the 28th: exactly the command line's selection.
  await page.select('#fieldwork-collector', 'ann');
  await shown(page, '#/fieldwork?show=payments&collector=ann');
  await setDay(page, kDay);
  await shown(page, `#/fieldwork?show=payments&day=${kDay}&collector=ann`);
  assert.deepEqual(await listedIds(page), annsPayments.map((p) => p.id).sort());
  assert.equal(
      await page.$eval('[data-figure="fieldwork-total"]', (e) => Number(e.dataset.value)), 2);
  // The owner named as markup is text in the list: no image, nothing run.
  const hostileRow = `#fieldwork-list tr[data-record="${hostilePaid.id}"]`;
  assert.ok((await textOf(page, hostileRow)).includes(kHostileOwner));
  assert.ok((await textOf(page, hostileRow)).includes('¥60.00'));

  // And her visits that day.
  await page.select('#fieldwork-show', 'fee_visits');
  await shown(page, `#/fieldwork?show=fee_visits&day=${kDay}&collector=ann`);
  assert.deepEqual(await listedIds(page), annsVisits.map((v) => v.id).sort());
  const outcomes = await page.$$eval(
      '#fieldwork-list tbody tr', (rows) => rows.map((r) => r.dataset.outcome).sort());
  assert.deepEqual(outcomes, annsVisits.map((v) => v.fields.outcome).sort());
  await page.select('#fieldwork-outcome', 'promised');
  await shown(page, `#/fieldwork?show=fee_visits&day=${kDay}&collector=ann&outcome=promised`);
  assert.deepEqual(
      await listedIds(page),
      annsVisits.filter((v) => v.fields.outcome === 'promised').map((v) => v.id).sort());
  assert.ok((await textOf(page, '#fieldwork-list tbody')).includes('承诺缴费'));

  // A receipt looked up by its number: its household and amount, and not voided.
  await page.select('#fieldwork-show', 'payments');
  await shown(page, `#/fieldwork?show=payments&day=${kDay}&collector=ann`);
  await page.type('#fieldwork-receipt-number', hostilePaid.fields.receipt_number);
  await page.click('#fieldwork-look-up');
  await page.waitForSelector('#fieldwork-receipt[data-found="true"]', {timeout: 20_000});
  await shown(page, await page.evaluate(() => window.location.hash));
  const receipt = await page.$eval('#fieldwork-receipt', (e) => ({...e.dataset}));
  assert.equal(receipt.payment, hostilePaid.id);
  assert.equal(receipt.household, h('hostile'));
  assert.equal(receipt.amount, '60.00');
  assert.equal(receipt.voided, 'false');
  assert.equal(await textOf(page, '#fieldwork-receipt [data-receipt-field="amount"]'), '¥60.00');
  assert.equal(
      await textOf(page, '#fieldwork-receipt [data-receipt-field="owner"]'), kHostileOwner);
  assert.ok((await textOf(page, '#fieldwork-receipt [data-receipt-field="household"]'))
                .endsWith(kHostileOwner));
  assert.equal(await textOf(page, '#fieldwork-receipt [data-receipt-field="collector"]'), 'ann');
  assert.equal(await textOf(page, '#fieldwork-receipt .not-voided'), '未作废。');
  assert.equal(await page.$$eval('img', (images) => images.length), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await t.screenshot(page, 'fieldwork-zh');

  // The voided one says so, and why.
  await page.$eval('#fieldwork-receipt-number', (e) => {
    e.value = '';
  });
  await page.type('#fieldwork-receipt-number', zhaoPaid.fields.receipt_number);
  await page.click('#fieldwork-look-up');
  await page.waitForSelector(
      `#fieldwork-receipt[data-payment="${zhaoPaid.id}"][data-voided="true"]`, {timeout: 20_000});
  assert.match(
      await textOf(page, '#fieldwork-receipt .voided'),
      /^已于 2026-\d\d-\d\d \d\d:\d\d 由 ann 作废：重复录入$/);

  // An unknown receipt.
  await page.$eval('#fieldwork-receipt-number', (e) => {
    e.value = '';
  });
  await page.type('#fieldwork-receipt-number', 'NOPE-000000');
  await page.click('#fieldwork-look-up');
  await page.waitForSelector('#fieldwork-receipt[data-found="false"]', {timeout: 20_000});
  assert.equal(await textOf(page, '#fieldwork-receipt'), '没有收据号为 NOPE-000000 的缴费。');

  // The voids, with the report's figure of payments voided more than once.
  await page.select('#fieldwork-show', 'payment_voids');
  await shown(page, `#/fieldwork?show=payment_voids&day=${kDay}&collector=ann&receipt=NOPE-000000`);
  await page.select('#fieldwork-collector', '');
  await shown(page, `#/fieldwork?show=payment_voids&day=${kDay}&receipt=NOPE-000000`);
  await setDay(page, '');
  await shown(page, '#/fieldwork?show=payment_voids&receipt=NOPE-000000');
  const voids = await selectedByCli(t, 'payment_voids', []);
  assert.deepEqual(await listedIds(page), voids.map((v) => v.id).sort());
  assert.equal(voids.length, 1);
  assert.ok((await textOf(page, '#fieldwork-list tbody')).includes('重复录入'));
  const report = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  assert.equal(
      await page.$eval('[data-figure="duplicate-voids"]', (e) => Number(e.dataset.value)),
      report.duplicate_voids.length);

  // In English after the switch, drawn from what the page holds.
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Field work', {timeout: 10_000});
  assert.equal(
      await textOf(page, '#fieldwork-receipt'), 'No payment has the receipt number NOPE-000000.');
  await page.select('#fieldwork-show', 'payments');
  await shown(page, '#/fieldwork?show=payments&receipt=NOPE-000000');
  await page.select('#fieldwork-collector', 'ann');
  await shown(page, '#/fieldwork?show=payments&collector=ann&receipt=NOPE-000000');
  await page.$eval('#fieldwork-receipt-number', (e) => {
    e.value = '';
  });
  await page.type('#fieldwork-receipt-number', zhaoPaid.fields.receipt_number);
  await page.click('#fieldwork-look-up');
  await page.waitForSelector(
      `#fieldwork-receipt[data-payment="${zhaoPaid.id}"]`, {timeout: 20_000});
  await shown(page, await page.evaluate(() => window.location.hash));
  assert.match(
      await textOf(page, '#fieldwork-receipt .voided'), /^Voided at .+ by ann: 重复录入$/);
  assert.equal(
      await page.$eval(`#fieldwork-list tr[data-record="${zhaoPaid.id}"]`, (r) => r.dataset.voided),
      'true');
  await t.screenshot(page, 'fieldwork-en');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // The only failed request: the session's before sign-in (401).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of 401 /.test(p)), []);
});
