// The console's page Repairs and complaints and a household's maintenance file in a real
// Chromium, against the world of office_world.mjs (a plumbing order of Zhao Min's,
// completed and awaiting its return visit) and what this test adds with the real
// command lines: on ann's phone with `fieldsync`, a note on Zhao's order, a work order
// and a complaint for the household whose owner is named as markup, then a sync; on
// customer service's phone, a return visit of 4 on that order. The page shows the
// repair awaiting a return visit with its household by label, the counts by status as
// the server's records hold them, the satisfaction of November; its status filter lists
// the completed orders; the maintenance file of Zhao's household lists the order and
// ann's note as her phone's `fieldsync repairs` holds them; the owner named as markup
// and a note typed as markup are shown as text. In Chinese, then in English after the
// language switch.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kHostileOwner, kHouseholds, kManager, kPassword, kPeriod} from './office_world.mjs';

const kZhao = kHouseholds.zhao[0];
const kHostile = kHouseholds.hostile[0];
const kZhaoLabel = 'Block B · 2-102 · Zhao Min';
const kHostileLabel = `Block A · 1-102 · ${kHostileOwner}`;
const kMarkupNote = '<script>window.pwned=2</script> new washer';

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

const ready = (page, name) => page.waitForFunction((id) => {
  const e = document.querySelector(id);
  return e && !e.hidden && e.dataset.state === 'ready';
}, {timeout: 20_000}, `#page-${name}`);

// The rows of a table: [data-* of the row, the cells' text].
async function rowsOf(page, selector) {
  return page.$$eval(
      `${selector} tbody tr`,
      (rows) => rows.map((r) => ({
                           data: {...r.dataset},
                           cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
                         })));
}

async function figure(page, name) {
  return page.$eval(
      `[data-figure="${name}"]`, (e) => ({text: e.textContent, value: e.dataset.value}));
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  const ann = async (...args) => JSON.parse(await t.fieldCommand('ann', ['--json', ...args]));
  const orders = () =>
      t.serverCommand(['list', 'work_orders', '--json']).then((out) => JSON.parse(out).records);
  const zhaoOrder = (await orders()).find((o) => o.fields.household === kZhao);
  assert.ok(zhaoOrder, 'the world holds Zhao\'s order');
  assert.equal(zhaoOrder.fields.status, 'completed');

  // On ann's phone: a note on Zhao's order, an order and a complaint for the household
  // named as markup; then the sync.
  const note = await ann(
      'note', '--work-order', zhaoOrder.id, '--text', kMarkupNote, '--at', '2026-11-26T10:00');
  const lamp = await ann(
      'work-order', '--household', kHostile, '--category', 'electrical', '--description',
      'hall lamp', '--at', '2026-11-27T09:00');
  await ann(
      'complaint', '--household', kHostile, '--description', 'noise at night', '--at',
      '2026-11-27T21:00');
  await t.fieldCommand('ann', ['sync']);
  // Customer service's phone (sue, Block A): the owner's return visit after the lamp.
  await t.serverCommand(['user', 'add', 'sue', '--role', 'customer_service']);
  await t.serverCommand(['assign', 'sue', '--building', kHouseholds.hostile[1]]);
  const code = (await t.serverCommand(['enroll-code', 'sue'])).trim();
  await t.fieldCommand('sue', ['enroll', '--server', server.url, '--code', code]);
  await t.fieldCommand('sue', ['sync']);
  await t.fieldCommand('sue', [
    'return-visit', '--work-order', lamp.id, '--satisfaction', '4', '--comment', 'bright again',
    '--at', '2026-11-29T10:00'
  ]);
  await t.fieldCommand('sue', ['sync']);
  const all = await orders();
  const completed = all.filter((o) => o.fields.status === 'completed');
  const report = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  assert.equal(report.work_orders_awaiting_return_visit.length, 1);
  assert.equal(report.return_visits.visits, 1);

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 900});
  await page.goto(`${server.url}/#/repairs?period=${kPeriod}&as_of=${kAsOf}`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await ready(page, 'repairs');

  // In Chinese: the figures, as the report and the records hold them.
  assert.equal(await textOf(page, '#page-title'), '报修与投诉');
  assert.equal(await textOf(page, '#nav a[aria-current="page"]'), '报修投诉');
  assert.deepEqual(await figure(page, 'awaiting-return-visit'), {text: '1', value: '1'});
  assert.deepEqual(await figure(page, 'return-visits'), {text: '1', value: '1'});
  assert.deepEqual(await figure(page, 'average-satisfaction'), {text: '4.00', value: '4'});
  assert.deepEqual(await figure(page, 'score-4'), {text: '1', value: '1'});
  const byStatus = await rowsOf(page, '#status-work_orders');
  assert.deepEqual(byStatus.map((r) => [r.data.status, r.cells[1]]), [
    'reported', 'dispatched', 'in_progress', 'completed', 'return_visited', 'closed'
  ].map((s) => [s, String(all.filter((o) => o.fields.status === s).length)]));
  assert.equal(byStatus[3].cells[0], '已完成');
  const complaints = await rowsOf(page, '#status-complaints');
  assert.equal(complaints.find((r) => r.data.status === 'open').cells[1], '1');

  // The repair awaiting a return visit: Zhao's, its household by label, a link to its file.
  const awaiting = await rowsOf(page, '#awaiting-table');
  assert.equal(awaiting.length, 1);
  assert.equal(awaiting[0].data.record, zhaoOrder.id);
  assert.deepEqual(awaiting[0].cells.slice(1), ['水管', 'tom', kZhaoLabel]);
  assert.equal(
      await page.$eval(
          `#awaiting-table tr[data-record="${zhaoOrder.id}"] a.household`,
          (a) => a.getAttribute('href')),
      `#/household?id=${kZhao}`);

  // Every work order, newest first, the owner named as markup shown as text; then the
  // completed ones alone, chosen in the filter.
  const listed = await rowsOf(page, '#repairs-list');
  assert.deepEqual(listed.map((r) => r.data.record).sort(), all.map((o) => o.id).sort());
  assert.equal(listed.find((r) => r.data.record === lamp.id).cells[1], kHostileLabel);
  await page.select('#repairs-status', 'completed');
  await page.waitForFunction(
      () => window.location.hash.includes('status=completed') &&
          document.querySelector('#page-repairs').dataset.state === 'ready',
      {timeout: 10_000});
  assert.deepEqual(
      (await rowsOf(page, '#repairs-list')).map((r) => r.data.record), completed.map((o) => o.id));
  await t.screenshot(page, 'repairs-zh');

  // Zhao's maintenance file: the order and ann's note, as her phone's file holds them.
  await page.click(`#awaiting-table tr[data-record="${zhaoOrder.id}"] a.household`);
  await ready(page, 'household');
  assert.equal(await textOf(page, '#page-title'), '住户维修档案');
  assert.equal(await textOf(page, '#nav a[aria-current="page"]'), '报修投诉');
  assert.equal(await textOf(page, '#household-label'), kZhaoLabel);
  const file = await rowsOf(page, '#file-table');
  const phoneFile = await ann('repairs', kZhao);
  const onPhone = phoneFile.work_orders.flatMap(
      (h) => [h.record.id, ...h.notes.map((n) => n.id), ...h.return_visits.map((v) => v.id)]);
  assert.deepEqual(file.map((r) => r.data.entry).sort(), onPhone.sort());
  assert.deepEqual(file.map((r) => r.data.entry), [zhaoOrder.id, note.id], 'in time order');
  assert.deepEqual(
      file[0].cells.slice(1, 6), ['维修工单', '水管', '已完成', 'tom', 'Kitchen tap leaks']);
  assert.deepEqual(file[1].cells.slice(1, 6), ['备注', '水管', '', 'ann', kMarkupNote]);
  assert.match(file[1].cells[0], /^2026-11-26T10:00:00\+08:00$/, 'the estate\'s zone');
  await t.screenshot(page, 'household-zh');

  // The household named as markup: its label and its complaint as text, nothing run.
  await page.goto(`${server.url}/#/household?id=${kHostile}`);
  await ready(page, 'household');
  assert.equal(await textOf(page, '#household-label'), kHostileLabel);
  const hostile = await rowsOf(page, '#file-table');
  assert.deepEqual(hostile.map((r) => r.data.kind), ['work_orders', 'complaints', 'return_visits']);
  assert.equal(hostile[2].cells[6], '4');
  assert.equal(await page.$('#page-household img'), null);
  assert.equal(await page.$('#page-household script'), null);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // In English after the switch, drawn again from what the page holds.
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Maintenance file',
      {timeout: 10_000});
  assert.deepEqual(
      (await rowsOf(page, '#file-table')).map((r) => r.cells[1]),
      ['work order', 'complaint', 'return visit']);
  await page.click('#nav a[data-route="repairs"]');
  await ready(page, 'repairs');
  assert.equal(await textOf(page, '#page-title'), 'Repairs and complaints');
  await page.goto(`${server.url}/#/repairs?period=${kPeriod}&as_of=${kAsOf}`);
  await ready(page, 'repairs');
  assert.deepEqual(
      (await rowsOf(page, '#awaiting-table'))[0].cells.slice(1), ['plumbing', 'tom', kZhaoLabel]);
  assert.equal((await rowsOf(page, '#status-work_orders'))[3].cells[0], 'completed');
  await t.screenshot(page, 'repairs-en');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // The only failed request: the session's before sign-in (401).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of 401 /.test(p)), []);
});
