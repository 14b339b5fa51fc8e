// The harness itself, on what the server already serves: fieldsync-server starts on a
// free loopback port, chromium opens its health endpoint and reads the JSON there.
// The office console at `/` is the next test's (issue 14).
import assert from 'node:assert/strict';

import { browserTest } from './harness.mjs';

browserTest(async (t) => {
  const server = await t.startServer();
  const page = await t.newPage({ language: 'en' });

  const response = await page.goto(`${server.url}/v1/health`);
  assert.equal(response.status(), 200);
  const health = JSON.parse(await page.evaluate(() => document.body.innerText));
  assert.equal(health.ok, true);
  assert.equal(typeof health.protocol_version, 'number');
  assert.equal(await page.evaluate(() => navigator.language), 'en-US');

  await t.screenshot(page, 'health');
});
