// The console's Patrol page in a real Chromium, against the world of office_world.mjs
// (two findings the office imported: a fire door overdue since 25 November, bins due
// 20 December) and a patrol phone added here with the real command lines: the office
// adds route "North loop" with three checkpoints; pat checks in at two of them on 29
// November, missing the bike shed, and reports a broken railing with a photo (a PNG made
// here, attached with `fieldsync attach`), then syncs. The page shows the round of the
// 29th with the bike shed missed, the day before with nobody, the findings by deadline
// with the overdue ones marked as `report --json` counts them, and the photo loaded from
// the server (naturalWidth > 0), as a thumbnail and whole. In Chinese, then in English.
import assert from 'node:assert/strict';
import {deflateSync} from 'node:zlib';

import {browserTest} from './harness.mjs';
import {buildWorld, kAsOf, kManager, kPassword, kPeriod} from './office_world.mjs';

const kRange = `from=2026-11-28&to=2026-11-30&as_of=${kAsOf}`;

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

const ready = (page) =>
    page.waitForSelector('#page-patrol[data-state="ready"]:not([hidden])', {timeout: 20_000});

// A PNG of `width` x `height` pixels in bands of colour: a photo a browser can decode.
function png(width, height) {
  const crcTable = Array.from({length: 256}, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB
  const rows = [];
  for (let y = 0; y < height; ++y) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; ++x) row.set([(x * 4) & 0xff, (y * 5) & 0xff, 0x90], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))
  ]);
}

// The rounds' rows: route, date, missed count and the checkpoints' [name, missed] list.
async function roundsOf(page) {
  return page.$$eval(
      '#patrol-rounds tbody tr',
      (rows) => rows.map((r) => ({
                           route: r.dataset.route,
                           date: r.dataset.date,
                           missed: r.dataset.missed,
                           checkpoints: [...r.querySelectorAll('li.checkpoint')].map(
                               (li) => [li.dataset.checkpoint, li.dataset.missed, li.textContent]),
                         })));
}

async function findingsOf(page) {
  return page.$$eval(
      '#patrol-findings article.finding',
      (list) => list.map((a) => ({id: a.dataset.finding, overdue: a.dataset.overdue})));
}

// Waits until the photo `selector` names has been decoded; its natural width.
async function loadedWidth(page, selector) {
  await page.waitForFunction(
      (s) => document.querySelector(s)?.complete && document.querySelector(s).naturalWidth > 0,
      {timeout: 10_000}, selector);
  return page.$eval(selector, (img) => img.naturalWidth);
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  const estate = JSON.parse(await t.serverCommand(['list', 'estates', '--json'])).records[0].id;
  const add = async (...args) => (await t.serverCommand(['add', ...args])).trim();
  const route = await add('patrol_routes', `estate=${estate}`, 'name=North loop');
  const gate = await add('checkpoints', `route=${route}`, 'name=North gate', 'sequence=1');
  const shed = await add('checkpoints', `route=${route}`, 'name=Bike shed', 'sequence=2');
  const roof = await add('checkpoints', `route=${route}`, 'name=Roof door', 'sequence=3');
  await t.serverCommand(['user', 'add', 'pat', '--role', 'patrol']);
  await t.serverCommand(['assign', 'pat', '--estate', estate]);
  const code = (await t.serverCommand(['enroll-code', 'pat'])).trim();
  await t.fieldCommand('pat', ['enroll', '--server', server.url, '--code', code]);
  await t.fieldCommand('pat', ['sync']);
  const pat = async (...args) => JSON.parse(await t.fieldCommand('pat', ['--json', ...args]));
  await pat('check-in', '--route', route, '--checkpoint', gate, '--at', '2026-11-29T21:00');
  await pat(
      'check-in', '--route', route, '--checkpoint', roof, '--at', '2026-11-29T21:20', '--condition',
      'abnormal', '--note', 'door left open');
  const railing = await pat(
      'finding', '--estate', estate, '--category', 'facility_damage', '--severity', 'critical',
      '--description', 'Roof railing broken', '--deadline', '2026-11-27', '--at',
      '2026-11-26T10:00');
  const photo = png(160, 120);
  await t.fieldCommand('pat', [
    'attach', 'findings', railing.id, t.writeFile('railing.png', photo), '--caption', 'railing'
  ]);
  await t.fieldCommand('pat', ['sync']);

  // What the server counts, for the page to show.
  const report = JSON.parse(
      await t.serverCommand(['report', '--json', '--period', kPeriod, '--as-of', kAsOf]));
  const overdue = report.findings.overdue_list.map((f) => f.id);
  assert.ok(overdue.includes(railing.id), `the railing is overdue as of ${report.as_of}`);
  assert.equal(overdue.length, 2, 'the fire door and the railing');

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 1000});
  await page.goto(`${server.url}/#/patrol?${kRange}`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
  await ready(page);

  // In Chinese: the rounds of the three days, the 29th with the bike shed missed.
  assert.equal(await textOf(page, '#page-title'), '巡查');
  assert.equal(await textOf(page, '#nav a[aria-current="page"]'), '巡查');
  const rounds = await roundsOf(page);
  assert.deepEqual(
      rounds.map((r) => [r.route, r.date, r.missed]),
      [[route, '2026-11-28', '3'], [route, '2026-11-29', '1'], [route, '2026-11-30', '3']]);
  const [walked, missed, abnormal] = rounds[1].checkpoints;
  assert.deepEqual(walked, [gate, 'false', 'North gate 21:00 pat']);
  assert.deepEqual(missed, [shed, 'true', 'Bike shed 漏检']);
  assert.deepEqual(abnormal, [roof, 'false', 'Roof door 21:20 pat （有异常）']);
  assert.equal(
      await page.$eval(`#patrol-rounds tr[data-date="2026-11-29"]`, (r) => r.className),
      'round missed');
  assert.equal(
      await textOf(page, '[data-figure="rounds-with-missed"]'), '3', 'every day missed one');

  // The findings by deadline, the overdue ones as the report counts them, the photo.
  const findings = await findingsOf(page);
  assert.equal(findings.length, 3);
  assert.equal(findings[1].id, railing.id, 'deadlines 25 Nov, 27 Nov, 20 Dec');
  assert.deepEqual(
      findings.filter((f) => f.overdue === 'true').map((f) => f.id).sort(), [...overdue].sort());
  for (const s of report.findings.by_severity) {
    assert.equal(await textOf(page, `[data-figure="overdue-${s.severity}"]`), String(s.overdue));
    assert.equal(await textOf(page, `[data-figure="open-${s.severity}"]`), String(s.open));
  }
  assert.equal(await page.$eval('#patrol-as-of', (input) => input.value), kAsOf);
  const card = `#patrol-findings article[data-finding="${railing.id}"]`;
  assert.equal(await textOf(page, `${card} .overdue-mark`), '已逾期');
  assert.equal(await textOf(page, `${card} h3`), '设施损坏 · 严重 · Riverside Gardens');
  const thumb = `${card} img.thumb`;
  assert.equal(await loadedWidth(page, thumb), 160);
  const attachment = await page.$eval(thumb, (img) => img.dataset.attachment);
  assert.equal(
      await page.$eval(thumb, (img) => img.getAttribute('src')),
      `/v1/office/attachments/${attachment}`);
  // The bytes the page reads are the phone's.
  const read = await page.evaluate(async (src) => {
    const answer = await fetch(src);
    return {
      type: answer.headers.get('content-type'),
      bytes: [...new Uint8Array(await answer.arrayBuffer())],
    };
  }, `/v1/office/attachments/${attachment}`);
  assert.equal(read.type, 'image/png');
  assert.deepEqual(Buffer.from(read.bytes), photo);
  await page.waitForFunction(
      () => document.querySelector('#patrol-findings article.finding:not(.overdue) .photos')
                ?.textContent === '无照片。',
      {timeout: 10_000});
  await t.screenshot(page, 'patrol-zh');

  // A click shows it whole; Escape closes it.
  await page.click(`${card} button.thumb-button`);
  await page.waitForSelector('#patrol-photo img', {timeout: 10_000});
  assert.equal(await loadedWidth(page, '#patrol-photo img'), 160);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('#patrol-photo'), {timeout: 10_000});

  // One severity: the critical railing alone.
  await page.select('#patrol-severity', 'critical');
  await page.waitForFunction(
      () => window.location.hash.includes('severity=critical') &&
          document.querySelector('#page-patrol').dataset.state === 'ready',
      {timeout: 10_000});
  assert.deepEqual((await findingsOf(page)).map((f) => f.id), [railing.id]);
  await loadedWidth(page, thumb);

  // In English after the switch, from what the page holds.
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Patrol', {timeout: 10_000});
  assert.equal(
      await textOf(page, `#patrol-rounds li[data-checkpoint="${shed}"]`), 'Bike shed missed');
  assert.equal(await textOf(page, `${card} .overdue-mark`), 'Overdue');
  assert.equal(await textOf(page, `${card} h3`), 'facility damage · critical · Riverside Gardens');
  assert.equal(await loadedWidth(page, thumb), 160);
  await page.select('#patrol-severity', '');
  await page.waitForFunction(
      () => !window.location.hash.includes('severity') &&
          document.querySelector('#page-patrol').dataset.state === 'ready',
      {timeout: 10_000});
  await loadedWidth(page, thumb);
  await t.screenshot(page, 'patrol-en');
  // The only failed request: the session's before sign-in (401).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of 401 /.test(p)), []);
});
