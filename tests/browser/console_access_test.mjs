// The page "Access and audit" in a real Chromium: a manager sets another user's password
// (two different ones are refused in the page, a short one by the server, with its
// message), issues an API token that is shown once and with which a script then reads
// the API without a cookie, revokes it (the script is refused at once), and reads each
// of these in the audit log; in Chinese, then in English. The office role sees a note
// and no form, and the server refuses its calls in any case.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';

const kPassword = 'correct horse battery';

async function signIn(page, name, password = kPassword) {
  await page.waitForSelector('#signin-form:not([hidden])', {timeout: 10_000});
  await page.$eval('#signin-name', (e) => {
    e.value = '';
  });
  await page.type('#signin-name', name);
  await page.type('#signin-password', password);
  await page.click('#signin-form button[type=submit]');
}

const ready = (page) =>
    page.waitForSelector('#page-access[data-state="ready"]:not([hidden])', {timeout: 20_000});

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

// Types a new password for `user` twice (`again` the second time) and submits.
async function setPassword(page, user, first, again = first) {
  await page.select('#password-user', user);
  for (const [id, value] of [['#password-new', first], ['#password-again', again]]) {
    await page.$eval(id, (e) => {
      e.value = '';
    });
    await page.type(id, value);
  }
  await page.click('#set-password button[type=submit]');
}

browserTest(async (t) => {
  await t.serverCommand(
      ['user', 'add', 'mei', '--role', 'office_manager'], {input: `${kPassword}\n`});
  await t.serverCommand(['user', 'add', 'olga', '--role', 'office']);
  await t.serverCommand(['user', 'password', 'olga'], {input: `${kPassword}\n`});
  await t.serverCommand(['user', 'add', 'nightly', '--role', 'office']);
  const server = await t.startServer();
  // What a script gets with `token` (no cookie).
  const asScript = (token, path) =>
      fetch(`${server.url}${path}`, {headers: {Authorization: `Bearer ${token}`}});

  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 1000});
  await page.goto(`${server.url}/#/access`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await signIn(page, 'mei');
  await ready(page);
  assert.equal(await textOf(page, '#page-title'), '权限与审计');
  assert.deepEqual(
      await page.$$eval('#password-user option', (o) => o.map((e) => e.value))
          .then((v) => v.sort()),
      ['mei', 'nightly', 'olga'], 'the console users, not the collectors');

  // Two different passwords: refused in the page, nothing sent.
  await setPassword(page, 'olga', 'a brand new password', 'a brand new passw0rd');
  await page.waitForSelector('#access-notice.error', {timeout: 10_000});
  assert.equal(await textOf(page, '#access-notice'), '两次输入的密码不同：请输入相同的密码。');
  // Too short: the server's rule, its message shown.
  await setPassword(page, 'olga', 'short');
  await page.waitForFunction(
      () => document.querySelector('#access-notice.error')?.textContent.startsWith('服务器拒绝：'),
      {timeout: 10_000});
  // A good one: olga signs in with it, and no longer with the old one.
  await setPassword(page, 'olga', 'a brand new password');
  await page.waitForSelector('#access-notice.done', {timeout: 10_000});
  await ready(page);
  assert.equal(await textOf(page, '#access-notice'), 'olga 的密码已设置，其会话已结束。');

  // An API token for the script's own user: shown once, then it reads the API.
  assert.equal(await textOf(page, '#no-tokens'), '还没有 API 令牌。');
  await page.select('#token-user', 'nightly');
  await page.type('#token-name', '每晚导出欠费');
  await page.click('#issue-token button[type=submit]');
  await page.waitForSelector('#new-token', {timeout: 10_000});
  await ready(page);
  const token = await textOf(page, '#new-token-text');
  assert.match(token, /^fso_[0-9a-f]{64}$/);
  assert.equal(await textOf(page, '#new-token h3'), '令牌“每晚导出欠费”，代表 nightly');
  const id = await page.$eval('#new-token', (e) => e.dataset.token);
  const row = `#tokens tr[data-token="${id}"]`;
  assert.equal(await page.$eval(row, (r) => r.dataset.revoked), 'false');
  assert.equal(
      await page.$eval(row, (r, secret) => r.textContent.includes(secret), token.slice(4, 20)),
      false, 'the list never shows the token');
  const read = await asScript(token, '/v1/office/today');
  assert.equal(read.status, 200);
  assert.equal((await (await asScript(token, '/v1/office/session')).json()).user, 'nightly');
  assert.equal((await asScript(token, '/v1/office/tokens')).status, 403, 'the office role only');
  await page.click('#hide-token');
  assert.equal(await page.$('#new-token'), null, 'gone once hidden');

  // Revoked in the page: the script is refused at once.
  await page.click(`${row} button.revoke-token`);
  await page.waitForSelector(`${row}[data-revoked="true"]`, {timeout: 10_000});
  await ready(page);
  const refused = await asScript(token, '/v1/office/today');
  assert.equal(refused.status, 401);
  assert.match((await refused.json()).error.message, /revoked/);

  // The audit log names each change, newest first, in Chinese.
  const actions = await page.$$eval('#audit tbody tr', (rows) => rows.map((r) => r.dataset.action));
  assert.deepEqual(actions.slice(0, 3), ['revoke_api_token', 'issue_api_token', 'set_password']);
  assert.equal(
      await textOf(page, '#audit tbody tr[data-action="issue_api_token"] td:nth-child(3)'),
      '签发 API 令牌');
  assert.equal(
      await textOf(page, '#audit tbody tr[data-action="set_password"] td:nth-child(4)'), 'olga');
  await t.screenshot(page, 'access-zh');

  // In English, drawn from what the page holds.
  await page.click('#lang-switch');
  assert.equal(await textOf(page, '#page-title'), 'Access and audit');
  assert.equal(
      await textOf(page, '#audit tbody tr[data-action="revoke_api_token"] td:nth-child(3)'),
      'revoked an API token');
  await t.screenshot(page, 'access-en');

  // olga (the office role), after mei signs out: her old password fails and her new
  // one works; a note, no form; the server refuses.
  const office = page;
  await office.click('#signout');
  await signIn(office, 'olga', kPassword);
  await office.waitForSelector('#signin-error:not(:empty)', {timeout: 10_000});
  await signIn(office, 'olga', 'a brand new password');
  await ready(office);
  assert.ok(await office.$('#access-managers-only'));
  assert.equal(await office.$('#set-password'), null);
  assert.equal(await office.$('#issue-token'), null);
  const audit = await office.evaluate(async () => (await fetch('/v1/office/audit')).status);
  assert.equal(audit, 403);
});
