// The console's Refused changes page in a real Chromium, against the world of
// office_world.mjs, where the server refused ann's payment of 150.00 because the office
// had lowered the estate's maximum to 130.00 while her phone was offline. The page shows
// it as `fieldsync-server parked --json` holds it, its amount as people write it; voiding
// it without a note is refused in the page; an amount the server cannot read is refused
// with the server's message; corrected to 120.00 it is accepted, the server then holds the
// payment (`list payments --json`, `report --json`) and ann's parked entry clears at her
// next `fieldsync sync`. In Chinese, then in English after the language switch.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kHouseholds, kManager, kPassword, kPeriod} from './office_world.mjs';

const kWang = kHouseholds.wang[0];

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

const ready = (page) =>
    page.waitForSelector('#page-refused[data-state="ready"]:not([hidden])', {timeout: 20_000});

// The rows of a refused change's table of fields as sent: name -> text.
async function sentFields(page, article) {
  return page.$$eval(
      `${article} table.sent-fields tbody tr`,
      (rows) => Object.fromEntries(
          rows.map((r) => [r.dataset.field, r.querySelectorAll('td')[1].textContent])));
}

async function parkedOnPhone(t) {
  return JSON.parse(await t.fieldCommand('ann', ['--json', 'parked'])).parked_changes;
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  const open = JSON.parse(await t.serverCommand(['parked', '--json'])).refused_changes;
  assert.equal(open.length, 1, 'the world holds one refused change');
  const refused = open[0];
  assert.equal(refused.collection, 'payments');
  assert.equal(refused.fields.amount, 15000);
  assert.equal((await parkedOnPhone(t)).length, 1, 'ann\'s phone has it parked');
  const article = `#page-refused article[data-refused="${refused.id}"]`;

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 900});
  await page.goto(`${server.url}/#/refused`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await ready(page);

  // In Chinese: what it is, why it was refused, who sent it when, and its fields.
  assert.equal(await textOf(page, '#page-title'), '被拒绝的更改');
  assert.equal(await textOf(page, '#nav a[aria-current="page"] [data-text]'), '被拒绝的更改');
  await page.waitForFunction(
      () => document.querySelector('#nav [data-count="refused"]').textContent === '1',
      {timeout: 10_000});
  assert.equal(await page.$$eval('#page-refused article.refused', (list) => list.length), 1);
  assert.equal(await textOf(page, `${article} .what`), refused.what);
  assert.match(refused.what, /150\.00/);
  assert.equal(await textOf(page, `${article} .reason`), `拒绝原因：${refused.reason}`);
  assert.equal(
      await textOf(page, `${article} .who`),
      `由 ann 从手机 ${refused.device} 发送，${refused.refused_at} 被拒绝（缴费）`);
  const fields = await sentFields(page, article);
  assert.equal(fields.amount, '150.00', 'money as people write it');
  assert.equal(fields.household, kWang);
  assert.equal(fields.receipt_number, refused.fields.receipt_number);
  assert.equal(
      fields.paid_at, new Date(refused.fields.paid_at).toISOString().replace('.000Z', 'Z'));

  // Void without a note: the page asks for one and sends nothing.
  await page.click(`${article} button.void`);
  await page.waitForSelector(`${article} form.void-form`, {timeout: 10_000});
  await page.click(`${article} form.void-form button.confirm`);
  await page.waitForSelector(`${article} .error`, {timeout: 10_000});
  assert.equal(await textOf(page, `${article} .error`), '作废需要备注：请说明原因，手机上会显示。');
  assert.equal(await page.$eval(article, (a) => a.dataset.refusedState), 'open');
  assert.equal(JSON.parse(await t.serverCommand(['parked', '--json'])).count, 1);
  await page.click(`${article} form.void-form button.cancel`);

  // Accept: the fields open as text, as sent. An amount the server cannot read is
  // refused with its message, in the page's language.
  await page.click(`${article} button.accept`);
  await page.waitForSelector(`${article} form.accept-form`, {timeout: 10_000});
  const amount = `${article} form.accept-form input[data-field="amount"]`;
  assert.equal(await page.$eval(amount, (e) => e.value), '150.00');
  await page.$eval(amount, (e) => {
    e.value = '';
  });
  await page.type(amount, 'one hundred');
  await page.type(`${article} form.accept-form input[name="note"]`, '业主确认实收 120 元');
  await page.click(`${article} form.accept-form button.confirm`);
  await page.waitForSelector(`${article} .error`, {timeout: 10_000});
  assert.match(await textOf(page, `${article} .error`), /^服务器拒绝：amount: .*one hundred/);
  assert.equal(await page.$eval(article, (a) => a.dataset.refusedState), 'open');
  await t.screenshot(page, 'refused-zh');

  // Corrected to what the estate allows; the note typed is still there.
  assert.equal(
      await page.$eval(`${article} form.accept-form input[name="note"]`, (e) => e.value),
      '业主确认实收 120 元');
  await page.$eval(amount, (e) => {
    e.value = '';
  });
  await page.type(amount, '120.00');
  await page.click(`${article} form.accept-form button.confirm`);
  await page.waitForSelector(`${article}[data-refused-state="accepted"]`, {timeout: 10_000});
  const settled = await page.$eval(`${article} .settled`, (p) => ({
                                                            text: p.textContent,
                                                            by: p.dataset.settledBy,
                                                            record: p.dataset.acceptedRecord,
                                                          }));
  assert.equal(settled.by, kManager);
  assert.match(settled.text, /^已由 mei 于 .+ 接受。 备注：业主确认实收 120 元$/);
  assert.equal(await page.$(`${article} button.accept`), null, 'a settled change has no button');
  await page.waitForFunction(
      () => document.querySelector('#nav [data-count="refused"]').hidden, {timeout: 10_000});

  // The server holds the payment as corrected (only the amount), and no refused change.
  const payments = JSON.parse(await t.serverCommand(['list', 'payments', '--json'])).records;
  const accepted = payments.find((p) => p.id === settled.record);
  assert.ok(accepted, `the server holds the accepted payment ${settled.record}`);
  assert.equal(accepted.fields.amount, 12000);
  assert.equal(accepted.fields.household, kWang);
  assert.equal(accepted.fields.paid_at, refused.fields.paid_at);
  assert.equal(accepted.fields.method, refused.fields.method);
  assert.equal(JSON.parse(await t.serverCommand(['parked', '--json'])).count, 0);
  const report = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  assert.equal(report.refused_changes.open, 0);

  // ann's parked entry clears at her next sync, and her phone holds the payment.
  await t.fieldCommand('ann', ['sync']);
  assert.deepEqual(await parkedOnPhone(t), []);
  const onPhone =
      JSON.parse(await t.fieldCommand('ann', ['--json', 'show', 'payments', accepted.id]));
  assert.equal(onPhone.fields.amount, 12000);

  // In English after the switch; the list of all shows the settled one.
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Refused changes',
      {timeout: 10_000});
  assert.match(
      await textOf(page, `${article} .settled`),
      /^Accepted by mei at .+\. Note: 业主确认实收 120 元$/);
  await page.select('#refused-state', 'all');
  await page.waitForFunction(
      () => window.location.hash === '#/refused?state=all' &&
          document.querySelector('#page-refused').dataset.state === 'ready',
      {timeout: 10_000});
  assert.equal(await page.$eval(article, (a) => a.dataset.refusedState), 'accepted');
  await page.select('#refused-state', 'open');
  await page.waitForFunction(
      () => window.location.hash === '#/refused' &&
          document.querySelector('#page-refused').dataset.state === 'ready',
      {timeout: 10_000});
  assert.equal(await textOf(page, '#page-refused p'), 'No refused change waits for the office.');
  // The only failed requests: the session's before sign-in (401) and the amount the
  // server could not read (400).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of 40[01] /.test(p)), []);
});
