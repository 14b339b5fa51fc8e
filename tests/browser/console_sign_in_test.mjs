// The office console's sign-in page in a real Chromium: the page comes in the browser's
// language (Chinese here, rendered), a wrong password is told in that language, the
// right one signs in, the switch changes the language and is remembered, a hostile
// name typed into the sign-in form is never run, and signing out goes back to the form.
import assert from 'node:assert/strict';

import { browserTest } from './harness.mjs';

const kPassword = 'correct horse battery';

// The text of the element `selector` once it is not empty.
async function textOf(page, selector) {
  await page.waitForFunction((s) => document.querySelector(s)?.textContent.trim() !== '',
                             { timeout: 10_000 }, selector);
  return page.$eval(selector, (e) => e.textContent.trim());
}

async function signIn(page, name, password) {
  await page.$eval('#signin-name', (e) => { e.value = ''; });
  await page.type('#signin-name', name);
  await page.type('#signin-password', password);
  await page.click('#signin-form button[type=submit]');
}

browserTest(async (t) => {
  await t.serverCommand(['user', 'add', '王丽', '--role', 'office_manager'], { input: `${kPassword}\n` });
  const server = await t.startServer();
  const page = await t.newPage({ language: 'zh-CN' });
  await page.goto(`${server.url}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });

  // Chinese, as the browser asks.
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await textOf(page, '#signin-form h2'), '登录');
  assert.equal(await page.$eval('#home', (e) => e.hidden), true);
  await t.screenshot(page, 'form-zh');

  // A name that is markup is sent as text and shown nowhere as markup.
  await signIn(page, '<img src=x onerror="window.pwned=1">', 'not the password');
  assert.equal(await textOf(page, '#signin-error'), '用户名或密码错误。');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.$('img'), null);

  await signIn(page, '王丽', kPassword);
  await page.waitForFunction(() => !document.querySelector('#home').hidden, { timeout: 10_000 });
  assert.equal(await textOf(page, '#whoami'), '王丽（办公室主管）');
  assert.equal(await textOf(page, '#home h2'), '今日');
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'fieldsync_session');
  assert.ok(session, 'the session cookie is set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie.includes('fieldsync_session')), false);
  await t.screenshot(page, 'signed-in-zh');

  // The switch: English, kept across a reload (and the session with it).
  await page.click('#lang-switch');
  assert.equal(await textOf(page, '#home h2'), 'Today');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  assert.equal(await textOf(page, '#home h2'), 'Today');
  assert.equal(await textOf(page, '#whoami'), '王丽 (office manager)');
  await t.screenshot(page, 'signed-in-en');

  await page.click('#signout');
  await page.waitForFunction(() => !document.querySelector('#signin-form').hidden, { timeout: 10_000 });
  assert.equal(await textOf(page, '#signin-form h2'), 'Sign in');
  assert.equal(t.pageProblems.filter((p) => !p.includes('401')).length, 0, t.pageProblems.join('\n'));
});
