// The page "Import" in a real Chromium: a manager uploads a households CSV with two bad
// lines and sees those lines and their problems, with nothing imported (the server's own
// `list households --json` says so); then a good file, in GB18030 as Excel in Chinese
// saves it, is imported and the households exist. The office role sees a note instead of
// the button.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';

import {browserTest} from './harness.mjs';

const kPassword = 'correct horse battery';

async function signIn(page, name) {
  await page.waitForSelector('#signin-form:not([hidden])', {timeout: 10_000});
  await page.$eval('#signin-name', (e) => {
    e.value = '';
  });
  await page.type('#signin-name', name);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
}

async function pageReady(page) {
  await page.waitForSelector('#page-import[data-state="ready"]:not([hidden])', {timeout: 20_000});
}

// Chooses `path` in the file input and imports it as `collection` in `encoding`.
async function importFile(page, path, {collection = 'households', encoding = 'utf-8'} = {}) {
  await page.select('#import-collection', collection);
  await page.select('#import-encoding', encoding);
  const input = await page.$('#import-file');
  await input.uploadFile(path);
  await page.click('#import-submit');
  await page.waitForSelector('#import-result, #import-refused', {timeout: 20_000});
}

// The households the server holds, as its command line lists them.
async function households(t) {
  return JSON.parse(await t.serverCommand(['list', 'households', '--json'])).records;
}

browserTest(async (t) => {
  await t.serverCommand(
      ['user', 'add', 'mei', '--role', 'office_manager'], {input: `${kPassword}\n`});
  await t.serverCommand(['user', 'add', 'olga', '--role', 'office']);
  await t.serverCommand(['user', 'password', 'olga'], {input: `${kPassword}\n`});
  const estate = (await t.serverCommand(['add', 'estates', 'name=Riverside Gardens'])).trim();
  const block =
      (await t.serverCommand(['add', 'buildings', `estate=${estate}`, 'name=Block A'])).trim();
  const unit =
      (await t.serverCommand(['add', 'units', `building=${block}`, 'number=1-101'])).trim();
  const server = await t.startServer();
  const before = await households(t);

  const page = await t.newPage({language: 'zh-CN'});
  await page.goto(`${server.url}/#/import`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await signIn(page, 'mei');
  await pageReady(page);
  assert.equal(await page.$eval('#page-title', (e) => e.textContent), '导入数据');
  const offered = await page.$$eval('#import-collection option', (o) => o.map((e) => e.value));
  assert.ok(offered.includes('households') && !offered.includes('payments'), offered.join(' '));

  // Two bad lines (3: a unit that does not exist; 5: no owner): listed by line, and
  // nothing imported.
  const bad = t.writeFile(
      'bad.csv',
      `unit,owner_name,phones\r\n${unit},Wang Li,13900001111\r\n` +
          `0193a6f2-0000-7000-8000-00000000dead,Li Na,\r\n${unit},Zhao Lei,\r\n${unit},,\r\n`);
  await importFile(page, bad);
  const problems = await page.$$eval(
      '#import-problems tbody tr',
      (rows) => rows.map((r) => ({line: r.dataset.line, message: r.cells[1].textContent})));
  assert.deepEqual(problems.map((p) => p.line), ['3', '5'], JSON.stringify(problems));
  assert.match(problems[0].message, /unit/);
  assert.match(problems[1].message, /owner_name/);
  assert.ok(
      (await page.$eval('#import-refused p.error', (e) => e.textContent)).startsWith('未导入'));
  assert.equal((await households(t)).length, before.length);
  await t.screenshot(page, 'import-zh');  // docs/console/import-zh.png

  // A good file, in GB18030 (王芳 and 李娜), as Excel in Chinese saves it.
  const good = join(t.dir, 'good.csv');
  writeFileSync(good, Buffer.concat([
    Buffer.from(`unit,owner_name,phones\r\n${unit},`),
    Buffer.from([0xCD, 0xF5, 0xB7, 0xBC]),
    Buffer.from(`,13900001111\r\n${unit},`),
    Buffer.from([0xC0, 0xEE, 0xC4, 0xC8]),
    Buffer.from(',13900002222\r\n'),
  ]));
  await importFile(page, good, {encoding: 'gb18030'});
  assert.equal(await page.$eval('#import-result', (e) => e.dataset.imported), '2');
  const after = await households(t);
  assert.equal(after.length, before.length + 2);
  const owners = JSON.stringify(after);
  assert.ok(owners.includes('王芳') && owners.includes('李娜'), owners);
  await t.screenshot(page, 'imported-zh');

  // The office role: the page, a note, no button.
  await page.click('#signout');
  await signIn(page, 'olga');
  await page.waitForFunction(
      () => document.querySelector('#whoami').textContent.includes('olga'), {timeout: 10_000});
  await pageReady(page);
  assert.equal(await page.$('#import-submit'), null);
  assert.ok(await page.$('#import-managers-only'));
  const problemsSeen = t.pageProblems.filter((p) => !p.includes('400') && !p.includes('401'));
  assert.equal(problemsSeen.length, 0, problemsSeen.join('\n'));
});
