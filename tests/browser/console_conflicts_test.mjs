// The console's Conflicts page in a real Chromium, against the world of office_world.mjs
// (ann and bob both changed Chen's phones offline) and one more conflict whose values
// were typed as markup: each conflict is shown with both values, who wrote them on which
// phone, as the server's `list conflicts --json` holds them; a value typed in the page
// resolves one, and after their next `fieldsync sync` both phones hold it; "Keep this"
// resolves the other; a second tab that still shows it open is refused with the server's
// message; in Chinese, then in English after the language switch; markup stays text.
import assert from 'node:assert/strict';

import {browserTest} from './harness.mjs';
import {buildWorld, kHostileOwner, kHouseholds, kManager, kPassword} from './office_world.mjs';

const kChen = kHouseholds.chen[0];
const kHostile = kHouseholds.hostile[0];
const kAnnsNotes = '<img src=x onerror="window.pwned=1">';
const kBobsNotes = '<b onmouseover="window.pwned=2">bold</b><script>window.pwned=3</script>';
const kTyped = '13912345678';

// A conflict side's value as the page must show it, written here apart from the page's
// code: a list comma-separated, a text as it is.
function shownValue(stored) {
  const value = JSON.parse(stored);
  return Array.isArray(value) ? value.join(',') : String(value);
}

async function textOf(page, selector) { return page.$eval(selector, (e) => e.textContent.trim()); }

async function signIn(page) {
  await page.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await page.type('#signin-name', kManager);
  await page.type('#signin-password', kPassword);
  await page.click('#signin-form button[type=submit]');
}

const ready = (page) =>
    page.waitForSelector('#page-conflicts[data-state="ready"]:not([hidden])', {timeout: 20_000});

// What the page shows of each conflict: id -> {status, label, field, sides: {winner, loser}}.
async function conflictsShown(page) {
  return page.$$eval(
      '#page-conflicts article.conflict', (articles) => Object.fromEntries(articles.map((a) => {
        const side = (name) => {
          const s = a.querySelector(`.side[data-side="${name}"]`);
          return {
            value: s.querySelector('.value').textContent,
            who: s.querySelector('.who').textContent,
            when: s.querySelector('.when').textContent,
            keep: s.querySelector('button.keep') !== null,
          };
        };
        return [
          a.dataset.conflict, {
            status: a.dataset.status,
            label: a.querySelector('.record-label').textContent,
            field: a.querySelector('.field').textContent,
            sides: {winner: side('winner'), loser: side('loser')},
          }
        ];
      })));
}

async function phoneField(t, phone, household, field) {
  const shown =
      JSON.parse(await t.fieldCommand(phone, ['--json', 'show', 'households', household]));
  return shown.fields[field];
}

browserTest(async (t) => {
  const server = await buildWorld(t);
  // A second conflict: both collectors write a note on the same door offline, as markup.
  await t.fieldCommand('ann', ['edit', 'households', kHostile, `notes=${kAnnsNotes}`]);
  await t.fieldCommand('bob', ['edit', 'households', kHostile, `notes=${kBobsNotes}`]);
  await t.fieldCommand('ann', ['sync']);
  await t.fieldCommand('bob', ['sync']);
  const devices = {};
  for (const phone of ['ann', 'bob']) {
    devices[phone] = JSON.parse(await t.fieldCommand(phone, ['--json', 'info'])).device_code;
  }
  const stored = JSON.parse(await t.serverCommand(['list', 'conflicts', '--json'])).records;
  assert.equal(stored.length, 2, 'the world holds two open conflicts');
  const idOf = (household) => stored.find((c) => c.fields.record === household).id;
  const chen = idOf(kChen), hostile = idOf(kHostile);

  // In Chinese, as the browser asks.
  const page = await t.newPage({language: 'zh-CN'});
  await page.setViewport({width: 1280, height: 900});
  await page.goto(`${server.url}/#/conflicts`);
  await signIn(page);
  await ready(page);
  assert.equal(await textOf(page, '#page-title'), '冲突');
  assert.equal(await textOf(page, '#nav a[aria-current="page"] [data-text]'), '冲突');
  await page.waitForFunction(
      () => document.querySelector('#nav [data-count="conflicts"]').textContent === '2',
      {timeout: 10_000});

  // Each conflict as the server holds it: both values, each with its user and phone.
  const shown = await conflictsShown(page);
  assert.deepEqual(Object.keys(shown).sort(), [chen, hostile].sort());
  for (const c of stored) {
    const onPage = shown[c.id];
    assert.equal(onPage.status, 'open');
    for (const side of ['winner', 'loser']) {
      const [, device, user] = /^(\S+) \((\w+)\)$/.exec(c.fields[`${side}_device`]);
      assert.equal(device, devices[user], `${c.id} ${side}: the phone of ${user}`);
      assert.equal(onPage.sides[side].value, shownValue(c.fields[`${side}_value`]));
      assert.equal(onPage.sides[side].who, `${user}，手机 ${device}`);
      assert.match(onPage.sides[side].when, /^2\d{3}-\d\d-\d\d/);
      assert.ok(onPage.sides[side].keep, `${c.id} ${side}: "Keep this"`);
    }
  }
  assert.deepEqual(
      [shown[chen].sides.winner.value, shown[chen].sides.loser.value].sort(),
      ['13900000008', '13900000009']);
  assert.equal(shown[chen].field, '电话');
  assert.match(shown[chen].label, /Chen "Sam" Yu/);
  // Markup typed by people is text: the owner's name and both notes, nothing run.
  assert.ok(shown[hostile].label.includes(kHostileOwner), shown[hostile].label);
  assert.deepEqual(
      [shown[hostile].sides.winner.value, shown[hostile].sides.loser.value].sort(),
      [kAnnsNotes, kBobsNotes].sort());
  assert.equal(
      await page.$('#page-conflicts img, #page-conflicts b, #page-conflicts script'), null);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  // A second tab (the same office user, in English) that will show the note's conflict
  // open after the first tab resolved it.
  const stale = await t.newPage({language: 'en'});
  await stale.goto(`${server.url}/#/conflicts`);
  await stale.waitForSelector('body[data-ready="true"]', {timeout: 10_000});
  await ready(stale);

  // The office types the number the owner gave (in the first tab, brought to the front:
  // a tab behind another gets no input).
  await page.bringToFront();
  const chenArticle = `#page-conflicts article[data-conflict="${chen}"]`;
  await page.type(`${chenArticle} input.other-value`, kTyped);
  await page.click(`${chenArticle} form.resolve-value button[type=submit]`);
  await page.waitForSelector(`${chenArticle}[data-status="resolved"]`, {timeout: 10_000});
  assert.equal(await textOf(page, `${chenArticle} .resolution`), '已由 mei 解决：输入了另一个值。');
  assert.equal(
      await page.$(`${chenArticle} button.keep`), null, 'a resolved conflict has no button');
  assert.equal((await conflictsShown(page))[hostile].status, 'open');
  await page.waitForFunction(
      () => document.querySelector('#nav [data-count="conflicts"]').textContent === '1',
      {timeout: 10_000});
  await t.screenshot(page, 'conflicts-zh');

  // "Keep this" on the note set aside.
  const hostileArticle = `#page-conflicts article[data-conflict="${hostile}"]`;
  const keptNote = shown[hostile].sides.loser.value;
  await page.click(`${hostileArticle} .side[data-side="loser"] button.keep`);
  await page.waitForSelector(`${hostileArticle}[data-status="resolved"]`, {timeout: 10_000});
  assert.equal(
      await textOf(page, `${hostileArticle} .resolution`), '已由 mei 解决：保留了被搁置的值。');
  await page.waitForFunction(
      () => document.querySelector('#nav [data-count="conflicts"]').hidden, {timeout: 10_000});

  // The stale tab tries to keep the other note: the server's refusal, in its language.
  await stale.bringToFront();
  await stale.click(`${hostileArticle} .side[data-side="winner"] button.keep`);
  await stale.waitForSelector(`${hostileArticle} .error`, {timeout: 10_000});
  assert.match(
      await textOf(stale, `${hostileArticle} .error`),
      new RegExp(`^The server refused: conflict ${hostile} is already resolved`));
  assert.equal(
      await stale.$eval(hostileArticle, (a) => a.dataset.status), 'open',
      'a refused resolution changes nothing shown');
  const after = JSON.parse(await t.serverCommand(['list', 'conflicts', '--json'])).records;
  assert.deepEqual(after.map((c) => c.fields.status), ['resolved', 'resolved']);
  assert.equal(after.find((c) => c.id === hostile).fields.resolution, 'kept_loser');

  // Both phones hold what the office chose after their next sync.
  for (const phone of ['ann', 'bob']) {
    await t.fieldCommand(phone, ['sync']);
    assert.deepEqual(await phoneField(t, phone, kChen, 'phones'), [kTyped], `${phone}: phones`);
    assert.equal(await phoneField(t, phone, kHostile, 'notes'), keptNote, `${phone}: notes`);
  }

  // In English after the switch, drawn again from what the page holds.
  await page.bringToFront();
  await page.click('#lang-switch');
  await page.waitForFunction(
      () => document.querySelector('#page-title').textContent === 'Conflicts', {timeout: 10_000});
  assert.equal(
      await textOf(page, `${chenArticle} .resolution`), 'Resolved by mei: typed another value.');
  assert.equal(
      await textOf(page, `${hostileArticle} .resolution`),
      'Resolved by mei: kept the value set aside.');
  assert.equal(
      (await conflictsShown(page))[hostile].sides.loser.who,
      shown[hostile].sides.loser.who.replace('，手机 ', ', phone '));

  // The list of resolved ones, then the open ones: none is left.
  await page.select('#conflicts-status', 'resolved');
  await page.waitForFunction(
      () => window.location.hash === '#/conflicts?status=resolved' &&
          document.querySelector('#page-conflicts').dataset.state === 'ready',
      {timeout: 10_000});
  assert.equal(Object.keys(await conflictsShown(page)).length, 2);
  await page.select('#conflicts-status', 'open');
  await page.waitForFunction(
      () => window.location.hash === '#/conflicts' &&
          document.querySelector('#page-conflicts').dataset.state === 'ready',
      {timeout: 10_000});
  assert.equal(
      await textOf(page, '#page-conflicts p'), 'No open conflict: nothing waits for the office.');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // The only failed requests: the session's before sign-in (401) and the stale tab's (409).
  assert.deepEqual(t.pageProblems.filter((p) => !/status of (401|409) /.test(p)), []);
});
