// The console's Arrears page in a real Chromium, against a world made with the real
// command lines (office_world.mjs): the list is `fieldsync-server arrears --json`'s, an
// owner named as markup is shown as text and never run, the filters change the list,
// "More" pages through it, the CSV download parses to the rows of the table, the XLSX
// download is a workbook, and the door-by-door worklist prints without the navigation.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kHostileOwner, kManager, kPassword} from './office_world.mjs';

const kXlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      ++i;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      rows.push([...row, field]);
      row = [];
      field = '';
    }
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

// The rows of the arrears table: [owner, phones, building, unit, amount, oldest, for].
function tableRows(page) {
  return page.$$eval(
      '#arrears-table tbody tr',
      (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
}

async function waitReady(page, id) {
  await page.waitForSelector(`#${id}[data-state="ready"]:not([hidden])`, {timeout: 20_000});
}

// Chooses `value` in the filter `select` and waits for the list of the new route.
async function filter(page, select, value) {
  const before = await page.evaluate(() => window.location.hash);
  await page.select(select, value);
  await page.waitForFunction((h) => window.location.hash !== h, {timeout: 10_000}, before);
  await waitReady(page, 'page-arrears');
}

// What the page fetches from `href` with its own session cookie.
function download(page, href) {
  return page.evaluate(async (url) => {
    const response = await fetch(url, {credentials: 'same-origin'});
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      status: response.status,
      type: response.headers.get('Content-Type'),
      disposition: response.headers.get('Content-Disposition'),
      first: [...bytes.slice(0, 4)],
      text: new TextDecoder('utf-8', {ignoreBOM: true}).decode(bytes),
    };
  }, href);
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  const arrears = async (...args) =>
      JSON.parse(await t.serverCommand(['arrears', '--as-of', kAsOf, '--json', ...args]))
          .households;
  const everyone = await arrears();
  assert.equal(everyone.length, 6, 'six households owe');

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 900});
  await page.goto(`${server.url}/#/arrears?as_of=${kAsOf}`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await waitReady(page, 'page-arrears');
  assert.equal(await page.$eval('#page-title', (e) => e.textContent), '欠费');

  // The list is the server's, most overdue first, money as yuan.
  const rows = await tableRows(page);
  assert.deepEqual(rows.map((r) => r[0]), everyone.map((h) => h.owner));
  assert.deepEqual(rows.map((r) => r[4]), everyone.map((h) => `¥${h.balance}`));
  assert.deepEqual(rows.map((r) => r[5]), everyone.map((h) => h.oldest_period));
  assert.deepEqual(rows.map((r) => [r[2], r[3]]), everyone.map((h) => [h.building, h.unit]));
  assert.equal(await page.$eval('[data-figure="arrears-total"]', (e) => e.textContent), '6');

  // The owner named as markup is text: no element made of it, nothing run.
  assert.ok(rows.some((r) => r[0] === kHostileOwner));
  assert.equal(await page.$('img'), null);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // The filters: more than 3 years, then also in Block B; then bob's households.
  await filter(page, '#filter-more-than-years', '3');
  assert.deepEqual(
      (await tableRows(page)).map((r) => r[0]),
      (await arrears('--more-than-years', '3')).map((h) => h.owner));
  assert.equal((await tableRows(page)).length, 2);
  await filter(page, '#filter-building', 'Block B');
  assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Wu Fang']);
  assert.equal(
      await page.evaluate(() => window.location.hash),
      `#/arrears?more_than_years=3&building=Block+B&as_of=${kAsOf}`);
  await filter(page, '#filter-more-than-years', '');
  await filter(page, '#filter-building', '');
  await filter(page, '#filter-collector', 'bob');
  assert.deepEqual(
      (await tableRows(page)).map((r) => r[0]),
      everyone.filter((h) => h.collector === 'bob').map((h) => h.owner));

  // The CSV download of the filters shown: UTF-8 with a byte-order mark, an attachment,
  // and the rows of the table.
  const csvHref = await page.$eval('#arrears-csv', (a) => a.getAttribute('href'));
  assert.equal(csvHref, `/v1/office/arrears.csv?collector=bob&as_of=${kAsOf}`);
  const csvFile = await download(page, csvHref);
  assert.equal(csvFile.status, 200);
  assert.match(csvFile.type, /^text\/csv/);
  assert.match(csvFile.disposition, /^attachment/);
  assert.deepEqual(csvFile.first.slice(0, 3), [0xef, 0xbb, 0xbf]);
  const [header, ...csvRows] = parseCsv(csvFile.text.slice(1));
  assert.deepEqual(header, [
    'Building', 'Door', 'Owner', 'Phones', 'Collector', 'Amount owed', 'Oldest unpaid',
    'Months overdue'
  ]);
  const bobRows = await tableRows(page);
  assert.deepEqual(
      csvRows.map((r) => [r[2], r[0], r[1], `¥${r[5]}`, r[6]]),
      bobRows.map((r) => [r[0], r[2], r[3], r[4], r[5]]));
  assert.deepEqual(csvRows.map((r) => r[3].split('; ').join(', ')), bobRows.map((r) => r[1]));

  // The XLSX download: a zip (PK), of the spreadsheet type.
  const xlsxHref = await page.$eval('#arrears-xlsx', (a) => a.getAttribute('href'));
  assert.equal(xlsxHref, `/v1/office/arrears.xlsx?collector=bob&as_of=${kAsOf}`);
  const xlsxFile = await download(page, xlsxHref);
  assert.equal(xlsxFile.status, 200);
  assert.equal(xlsxFile.type, kXlsxType);
  assert.match(xlsxFile.disposition, /^attachment; filename=".*\.xlsx"$/);
  assert.deepEqual(xlsxFile.first.slice(0, 2), [0x50, 0x4b]);

  // Paging: two at a time, "More" until the end.
  await page.goto(`${server.url}/#/arrears?as_of=${kAsOf}&limit=2`);
  await waitReady(page, 'page-arrears');
  assert.equal((await tableRows(page)).length, 2);
  for (const shown of [4, 6]) {
    await page.click('#arrears-more');
    await page.waitForFunction(
        (n) => document.querySelectorAll('#arrears-table tbody tr').length === n, {timeout: 10_000},
        shown);
  }
  assert.equal(await page.$('#arrears-more'), null);
  assert.deepEqual((await tableRows(page)).map((r) => r[0]), everyone.map((h) => h.owner));
  await page.goto(`${server.url}/#/arrears?as_of=${kAsOf}`);
  await waitReady(page, 'page-arrears');
  await t.screenshot(page, 'arrears-zh');

  // Ann's door-by-door worklist: by building, then door (1-10 before 1-101), printed
  // without the header, the navigation and the buttons.
  await filter(page, '#filter-collector', 'ann');
  await page.click('#arrears-worklist');
  await waitReady(page, 'page-worklist');
  const doors = await page.$$eval(
      '#page-worklist .worklist-building',
      (sections) => sections.map((s) => [s.dataset.building, [
                                   ...s.querySelectorAll('tbody tr td:first-child')
                                 ].map((td) => td.textContent)]));
  assert.deepEqual(doors, [['Block A', ['1-10', '1-101', '1-102']]]);
  assert.ok((await page.$$eval('#page-worklist .owner', (list) => list.map((e) => e.textContent)))
                .includes(kHostileOwner));
  await page.evaluate(() => {
    window.print = () => {
      window.printed = true;
    };
  });
  await page.click('#print-worklist');
  assert.equal(await page.evaluate(() => window.printed), true);
  await page.emulateMediaType('print');
  const hidden = await page.evaluate(
      () => ['header', '#nav', '#print-worklist'].map(
          (s) => getComputedStyle(document.querySelector(s)).display));
  assert.deepEqual(hidden, ['none', 'none', 'none']);
  await t.screenshot(page, 'worklist-print-zh');
  await page.emulateMediaType('screen');
  assert.equal(await page.$('img'), null);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(t.pageProblems.filter((p) => !p.includes('401')), []);
});
