// The page "Devices and people" in a real Chromium: a manager issues an enrollment code
// and sees it once with its QR code (an imported SVG document of modules), assigns a
// building, revokes a phone (whose next sync is then refused) and re-admits it; the
// office role sees the page without a single write button, and the server refuses its
// writes when it sends them anyway.
import assert from 'node:assert/strict';

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
  await page.waitForSelector('#page-people[data-state="ready"]:not([hidden])', {timeout: 20_000});
}

browserTest(async (t) => {
  await t.serverCommand(
      ['user', 'add', 'mei', '--role', 'office_manager'], {input: `${kPassword}\n`});
  await t.serverCommand(['user', 'add', 'olga', '--role', 'office']);
  await t.serverCommand(['user', 'password', 'olga'], {input: `${kPassword}\n`});
  await t.serverCommand(['user', 'add', 'ann', '--role', 'collector']);
  const estate = (await t.serverCommand(['add', 'estates', 'name=Riverside Gardens'])).trim();
  const blockA =
      (await t.serverCommand(['add', 'buildings', `estate=${estate}`, 'name=Block A'])).trim();
  const server = await t.startServer();
  const code = (await t.serverCommand(['enroll-code', 'ann'])).trim();
  await t.fieldCommand('ann', ['enroll', '--server', server.url, '--code', code]);
  await t.fieldCommand('ann', ['sync']);

  // The manager.
  const page = await t.newPage({language: 'en'});
  await page.goto(`${server.url}/#/people`);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await signIn(page, 'mei');
  await pageReady(page);
  const device = await page.$eval('#devices tbody tr', (e) => e.dataset.device);
  assert.match(device, /^[A-Z0-9]{4,}$/);
  assert.equal(await page.$eval('#devices tbody tr', (e) => e.dataset.revoked), 'false');
  assert.ok(await page.$('#add-user'), 'a manager has the form to add a user');

  // A new enrollment code for ann: the code once, and its QR code as an SVG of modules.
  await page.click('#users tr[data-user="ann"] button.enroll-code');
  await page.waitForSelector('#one-time-code #one-time-qr svg', {timeout: 10_000});
  await pageReady(page);
  const shown = await page.$eval('#one-time-code', (panel) => {
    const svg = panel.querySelector('#one-time-qr svg');
    return {
      code: panel.dataset.code,
      text: panel.querySelector('#one-time-code-text').textContent,
      uri: panel.querySelector('.uri').textContent,
      namespace: svg.namespaceURI,
      modules: Number(svg.getAttribute('data-modules')),
      dark: svg.querySelectorAll('rect.m').length,
      box: svg.getBoundingClientRect().width,
      texts: svg.querySelectorAll('text, script, foreignObject').length,
    };
  });
  assert.match(shown.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.equal(shown.text, shown.code);
  assert.ok(shown.uri.startsWith('fieldsync://enroll?server=http%3A%2F%2F127.0.0.1%3A'), shown.uri);
  assert.ok(shown.uri.endsWith(`&code=${shown.code}`), shown.uri);
  assert.equal(shown.namespace, 'http://www.w3.org/2000/svg');
  assert.equal((shown.modules - 17) % 4, 0, `${shown.modules} modules a side is a QR version`);
  assert.ok(shown.dark > shown.modules * 4, `${shown.dark} dark modules`);
  assert.ok(shown.box > 100, `the QR code is drawn ${shown.box} px wide`);
  assert.equal(shown.texts, 0);
  await t.screenshot(page, 'enrollment-code-en');
  // The code enrolls a second phone of ann's.
  await t.fieldCommand('ann2', ['enroll', '--server', server.url, '--code', shown.code]);

  // Assign Block A to ann with the picker.
  await page.click('#hide-code');
  assert.equal(await page.$('#one-time-code'), null);
  await page.select('#users tr[data-user="ann"] select.assign-target', `building ${blockA}`);
  await page.click('#users tr[data-user="ann"] button.assign');
  await page.waitForSelector(
      `#users tr[data-user="ann"] li[data-target="${blockA}"]`, {timeout: 10_000});

  // Revoke ann's first phone: its next sync is refused.
  await pageReady(page);
  await page.click(`#devices tr[data-device="${device}"] button.revoke`);
  await page.waitForSelector(
      `#devices tr[data-device="${device}"][data-revoked="true"]`, {timeout: 10_000});
  await assert.rejects(t.fieldCommand('ann', ['sync']), /revoked/);
  await t.screenshot(page, 'people-en');
  // Re-admit it: a code shown once, with its QR code.
  await page.click(`#devices tr[data-device="${device}"] button.readmit`);
  await page.waitForSelector('#one-time-code #one-time-qr svg', {timeout: 10_000});
  assert.ok((await page.$eval('#one-time-code h3', (e) => e.textContent)).includes(device));

  // The office role, in Chinese: the same page, no write button; its writes refused.
  await page.click('#signout');
  await page.click('#lang-switch');
  await signIn(page, 'olga');
  // Signed in again: the page loads afresh (it was ready with mei's answer before).
  await page.waitForFunction(() => document.querySelector('#whoami').textContent.includes('olga'),
                             {timeout: 10_000});
  await pageReady(page);
  assert.equal(await page.$eval('#page-title', (e) => e.textContent), '设备与人员');
  assert.equal(await page.$$eval('#users tbody tr', (rows) => rows.length), 3);
  for (const selector
           of ['#add-user', 'button.enroll-code', 'button.deactivate', 'button.revoke',
               'button.readmit', 'button.assign', 'button.unassign']) {
    assert.equal(await page.$(selector), null, `the office role sees no ${selector}`);
  }
  await t.screenshot(page, 'people-office-zh');
  const refused = await page.evaluate(async (device) => {
    const session = await (await fetch('/v1/office/session')).json();
    const answers = [];
    for (const [path, body] of [
             ['/v1/office/devices/readmit', {device}],
             ['/v1/office/enrollment-codes', {user: 'ann'}],
             ['/v1/office/users', {name: 'eve', role: 'office_manager'}]]) {
      const response = await fetch(path, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf},
        body: JSON.stringify(body),
      });
      answers.push(response.status);
    }
    return answers;
  }, device);
  assert.deepEqual(refused, [403, 403, 403]);
  const problems = t.pageProblems.filter((p) => !p.includes('401') && !p.includes('403'));
  assert.equal(problems.length, 0, problems.join('\n'));
});
