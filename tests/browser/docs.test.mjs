// The API reference at /docs in Debian's headless Chromium: it renders the server's OpenAPI
// document with Scalar's script served by the server itself, under the page's
// Content-Security-Policy (no eval, no inline script without the page's nonce), with no console
// errors and no request to any other origin.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, screenshotPath, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the API reference', () => {
  test('/docs renders the OpenAPI document without console errors or other origins', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const errors = [];
    const foreign = [];
    page.on('console', message => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location()?.url || ''})`);
    });
    page.on('pageerror', error => errors.push(`page error: ${error.message}`));
    page.on('request', request => {
      const url = new URL(request.url());
      if (url.origin !== server.base && !['data:', 'blob:', 'about:'].includes(url.protocol)) foreign.push(request.url());
    });
    const violations = [];
    await page.exposeFunction('reportViolation', text => violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', e => window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    try {
      const response = await page.goto(`${server.base}/docs`);
      assert.equal(response.status(), 200);
      const policy = response.headers()['content-security-policy'];
      assert.match(policy, /default-src 'self'/);
      assert.match(policy, /script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
      assert.doesNotMatch(policy, /unsafe-eval|script-src[^;]*unsafe-inline/);

      // The document is drawn: its title, a tag, and an operation with the roles line the server adds.
      await page.getByText('GeoOrs', { exact: false }).first().waitFor({ timeout: 60_000 });
      await page.getByText('Administration', { exact: false }).first().waitFor({ timeout: 60_000 });
      await page.getByText('Open to the public (a key may see more).', { exact: false }).first().waitFor({ timeout: 60_000 });
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: screenshotPath('docs') });

      assert.deepEqual(foreign, []);
      assert.deepEqual(errors, []);
      // The policy holds: the only thing it refuses is the probe a validation library makes (Function('')
      // in a try, to choose its slower path without eval), and the page works without it.
      assert.deepEqual(violations.filter(v => !/^script-src(-elem)? eval$/.test(v)), []);
    } finally {
      await context.close();
    }
  });
});
