// The console's Today page in a real Chromium, against a world made with the real
// command lines (office_world.mjs): every figure it shows is the one of
// `fieldsync-server report --json` for the same period and day, in Chinese and, after
// the language switch, in English; each collector's charts draw their days; repairs and
// findings name households and buildings by label; an owner named as markup is shown as
// text; a payment a phone syncs while the page is open shows by itself (server-sent
// events).
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kHostileOwner, kHouseholds, kManager, kPassword, kPeriod} from './office_world.mjs';

// Money as the page must show it, written here apart from the page's own code:
// "1200.00" is "¥1,200.00".
function yuan(decimal) {
  if (decimal === null) return '–';
  const [whole, cents] = decimal.replace('-', '').split('.');
  let grouped = '';
  for (let i = 0; i < whole.length; ++i) {
    if (i > 0 && (whole.length - i) % 3 === 0) grouped += ',';
    grouped += whole[i];
  }
  return `${decimal.startsWith('-') ? '-' : ''}¥${grouped}.${cents}`;
}
const percent = (rate) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);

// Every [data-figure] of the page (or of the element `within`): name -> {text, value}.
async function figuresOf(page, within = '#page-today') {
  return page.$eval(within, (root) => {
    const out = {};
    for (const e of root.querySelectorAll('[data-figure]')) {
      if (!(e.dataset.figure in out))
        out[e.dataset.figure] = {text: e.textContent, value: e.dataset.value};
    }
    return out;
  });
}

// The page's figures against the report's JSON, each as shown and as given.
async function assertFiguresAre(page, report) {
  const shown = await figuresOf(page);
  const c = report.collection;
  const expected = {
    period: [report.period, report.period],
    'as-of': [report.as_of, report.as_of],
    'period-rate': [percent(c.period.rate), String(c.period.rate)],
    'period-due': [yuan(c.period.due), c.period.due],
    'period-collected': [yuan(c.period.collected), c.period.collected],
    'arrears-rate': [percent(c.arrears.rate), String(c.arrears.rate)],
    'arrears-due': [yuan(c.arrears.due), c.arrears.due],
    'arrears-collected': [yuan(c.arrears.collected), c.arrears.collected],
    'collected-in-period': [yuan(c.collected_in_period), c.collected_in_period],
    'credit-in-period': [yuan(c.credit_in_period), c.credit_in_period],
    'promises-due': [String(report.promises.due), String(report.promises.due)],
    'promises-broken': [String(report.promises.broken), String(report.promises.broken)],
    'findings-open': [String(report.findings.open), String(report.findings.open)],
    'findings-overdue': [String(report.findings.overdue), String(report.findings.overdue)],
    'awaiting-return-visit': [
      String(report.work_orders_awaiting_return_visit.length),
      String(report.work_orders_awaiting_return_visit.length)
    ],
    'refused-open': [String(report.refused_changes.open), String(report.refused_changes.open)],
    'refused-amount': [yuan(report.refused_changes.amount), report.refused_changes.amount],
    'conflicts-open': [String(report.open_conflicts.length), String(report.open_conflicts.length)],
  };
  for (const [name, [text, value]] of Object.entries(expected)) {
    assert.ok(shown[name], `the page shows the figure ${name}`);
    assert.equal(shown[name].text, text, `${name} as shown`);
    assert.equal(shown[name].value, value, `${name} as given`);
  }

  const collectors = await page.$$eval(
      '#page-today [data-collector]', (list) => list.map((e) => e.dataset.collector));
  assert.deepEqual(collectors, report.collectors.map((c) => c.collector));
  for (const c of report.collectors) {
    const section = `#page-today [data-collector="${c.collector}"]`;
    const figures = await figuresOf(page, section);
    const collectorExpected = {
      'collector-visits': String(c.visits),
      'collector-daily-target': c.daily_visit_target === null ? '–' : String(c.daily_visit_target),
      'collector-days-on-target': String(c.days_on_target),
      'collector-collected': yuan(c.collected),
      'collector-amount-target': yuan(c.amount_target),
      'collector-amount-rate': percent(c.amount_rate),
    };
    for (const [name, text] of Object.entries(collectorExpected)) {
      assert.equal(figures[name]?.text, text, `${c.collector}: ${name}`);
    }
    // The charts: a bar per day with the day's visits, the target line at the target,
    // and the amount bar drawn from the collected text.
    const bars = await page.$$eval(
        `${section} rect[data-date]`,
        (list) => list.map(
            (r) => [r.dataset.date, Number(r.dataset.visits), r.classList.contains('on-target')]));
    assert.deepEqual(
        bars, c.days.map((d) => [d.date, d.visits, d.on_target]), `${c.collector}: days`);
    if (c.days.length > 0 && c.daily_visit_target !== null) {
      assert.equal(
          await page.$eval(`${section} line[data-target]`, (l) => l.dataset.target),
          String(c.daily_visit_target));
    }
    assert.equal(
        await page.$eval(`${section} rect.chart-collected`, (r) => r.dataset.amount), c.collected);
  }

  const ages = await page.$$eval(
      '#arrears-by-age-table tbody tr',
      (rows) =>
          rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
  assert.deepEqual(ages, report.arrears_by_age.map((a) => [String(a.households), yuan(a.amount)]));

  const owners = await page.$$eval(
      '#promises-table tbody tr td:nth-child(3)', (list) => list.map((e) => e.textContent));
  assert.deepEqual(owners, report.promises.list.map((p) => p.owner_name || '–'));

  // Repairs and findings name households and buildings by their labels, not their ids.
  const places = await page.$$eval(
      '#repairs-table tbody tr td:nth-child(4)', (list) => list.map((e) => e.textContent));
  assert.deepEqual(places, report.work_orders_awaiting_return_visit.map((w) => w.household_label));
  const buildings = await page.$$eval(
      '#findings-overdue-table tbody tr td:nth-child(4)', (list) => list.map((e) => e.textContent));
  assert.deepEqual(buildings, report.findings.overdue_list.map((f) => f.building_label));
}

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

browserTest(async (t) => {
  const server = await buildWorld(t);
  const report = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  // The world is what it says: the test is not passed by empty figures.
  assert.equal(report.promises.due, 2);
  assert.equal(report.promises.broken, 1);
  assert.equal(report.refused_changes.open, 1);
  assert.equal(report.open_conflicts.length, 1);
  assert.equal(report.findings.overdue, 1);
  assert.equal(report.work_orders_awaiting_return_visit.length, 1);
  assert.equal(
      report.work_orders_awaiting_return_visit[0].household_label, 'Block B · 2-102 · Zhao Min');
  assert.equal(report.findings.overdue_list[0].building_label, 'Block A');
  assert.deepEqual(report.collectors.map((c) => c.collector), ['ann', 'bob']);
  assert.ok(report.promises.list.some((p) => p.owner_name === kHostileOwner));

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 900});
  await page.goto(`${server.url}/#/today?period=${kPeriod}&as_of=${kAsOf}`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#page-today[data-state="ready"]', {timeout: 20_000});

  // In Chinese, as the browser asks.
  assert.equal(await textOf(page, '#page-title'), '今日');
  assert.equal(await textOf(page, '#nav a[aria-current="page"]'), '今日');
  assert.equal(await textOf(page, '#page-today .tile .tile-label'), `${kPeriod} 当期收缴率`);
  await assertFiguresAre(page, report);
  assert.equal(await page.$('#page-today img'), null);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await t.screenshot(page, 'today-zh');

  // Both phones synced today: none is listed as late.
  assert.equal(await textOf(page, '[data-figure="devices-not-synced"]'), '0');
  assert.equal(await page.$('#devices-table'), null);

  // In English after the switch: the same figures, drawn again without a new request.
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Today', {timeout: 10_000});
  assert.equal(
      await textOf(page, '#page-today .tile .tile-label'), `Collection rate, ${kPeriod} charges`);
  await assertFiguresAre(page, report);
  await t.screenshot(page, 'today-en');

  // Live: bob's phone syncs a payment while the page is open; the server's event stream
  // says so and the page draws the new report by itself, without being loaded again.
  const before = await page.$eval('[data-figure="collected-in-period"]', (e) => e.dataset.value);
  await page.evaluate(() => {
    window.notReloaded = true;
  });
  await t.fieldCommand(
      'bob', ['pay', '--household', kHouseholds.wu[0], '--amount', '60.00', '--at', '2026-11-29T10:00']);
  await t.fieldCommand('bob', ['sync']);
  const after = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  assert.notEqual(after.collection.collected_in_period, before);
  await page.waitForFunction(
      (value) => document.querySelector('[data-figure="collected-in-period"]')?.dataset.value ===
          value,
      {timeout: 20_000}, after.collection.collected_in_period);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not loaded again');
  assert.ok(Number(await page.$eval('#page-today', (e) => e.dataset.updates)) >= 1);
  await assertFiguresAre(page, after);

  // Another day from the form: the route changes and the page is the report of that day.
  const earlier = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', '2026-11-15']));
  await page.$eval('#today-form input[name=as_of]', (e) => {
    e.value = '2026-11-15';
  });
  await page.click('#today-form button[type=submit]');
  await page.waitForFunction(
      () => document.querySelector('#page-today').dataset.state === 'ready' &&
          document.querySelector('[data-figure="as-of"]')?.textContent === '2026-11-15',
      {timeout: 20_000});
  assert.equal(
      await page.evaluate(() => window.location.hash),
      `#/today?period=${kPeriod}&as_of=2026-11-15`);
  await assertFiguresAre(page, earlier);

  // A period the server refuses: its message, in the page's error line.
  await page.goto(`${server.url}/#/today?period=2026-13`);
  await page.waitForSelector('#page-today[data-state="error"]', {timeout: 20_000});
  assert.match(await textOf(page, '#page-today .error'), /^The server could not answer: .*2026-13/);

  // The default route is this month as of today in the server's zone.
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#page-today[data-state="ready"]', {timeout: 20_000});
  assert.match(await textOf(page, '[data-figure="period"]'), /^\d{4}-\d{2}$/);
  // The only failed requests are the session's before sign-in (401) and the bad period's
  // (400).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of 40[01] /.test(p)), []);
});
