// The HTML data brief in Debian's headless Chromium: a partner's and the public's brief of
// Allegheny County render under the page's Content-Security-Policy with no console error, show the
// chart and the map, and print the overdose counts /api/areas gives for the same window and view.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKey, ingest, launchBrowser, openPage, screenshotPath, startServer } from './harness.mjs';

const WINDOW = 'from=2019-03-01&to=2019-03-31';
let server;
let browser;
let key;

before(async () => {
  // A public base URL for the subscriptions' links, and the suite's receivers' address admitted (nothing is
  // delivered here: the weekly job does not run).
  server = await startServer({ settings: { Http__PublicBaseUrl: 'https://geoors.example.org', Webhooks__AllowedHosts__0: '127.0.0.1' } });
  browser = await launchBrowser();
  key = await createKey('analyst', 'Brief Browser Tests');
  // Forty overdoses in Pittsburgh in March 2019, a quarter of them fatal, a day apart.
  const rows = ['external_id,occurred_at,lat,lon,fatal,suspected_drugs'];
  for (let i = 0; i < 40; i++) {
    rows.push(`brief-browser-${Date.now()}-${i},2019-03-${String(1 + (i % 28)).padStart(2, '0')}T1${i % 10}:00:00Z,40.44,-79.99,${i % 4 === 0},fentanyl`);
  }
  await ingest(server.base, key, 'overdoses', rows.join('\n') + '\n');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function measures(headers) {
  const response = await fetch(`${server.base}/api/areas/county/42003?${WINDOW}`, { headers });
  assert.equal(response.status, 200);
  return (await response.json()).measures;
}

async function render(headers, name) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1400 }, extraHTTPHeaders: headers });
  const page = await context.newPage();
  const errors = [];
  page.on('console', message => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', error => errors.push(`page error: ${error.message}`));
  try {
    const response = await page.goto(`${server.base}/api/briefs/county/42003?${WINDOW}&format=html`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/html/);
    await page.waitForLoadState('load');
    // The chart and the map are drawn: images that decoded to their full size.
    const images = await page.$$eval('img', all => all.map(i => ({ alt: i.alt, complete: i.complete, width: i.naturalWidth })));
    assert.ok(images.length >= 3, JSON.stringify(images));
    for (const image of images) assert.ok(image.complete && image.width > 100, `${image.alt} is not drawn: ${JSON.stringify(image)}`);
    const shown = {
      audience: await page.getAttribute('#audience', 'data-audience'),
      window: await page.textContent('#window'),
      overdoses: (await page.textContent('#figures tr[data-row="Overdoses"] td.now')).trim(),
      fatal: (await page.textContent('#figures tr[data-row="Fatal"] td.now')).trim(),
    };
    await page.screenshot({ path: screenshotPath(name), fullPage: true });
    assert.deepEqual(errors, []);
    return shown;
  } finally {
    await context.close();
  }
}

const printed = value => value === null ? 'withheld' : value.toLocaleString('en-US');

describe('the HTML brief', () => {
  test("a partner's brief renders without console errors and shows the area panel's counts", async () => {
    const expected = await measures({ 'X-Api-Key': key });
    assert.equal(expected.overdoses >= 40, true);
    const shown = await render({ 'X-Api-Key': key }, 'brief-partner');
    assert.equal(shown.audience, 'partner');
    assert.match(shown.window, /Window: 2019-03-01 to 2019-03-31 \(month\)/);
    assert.equal(shown.overdoses, printed(expected.overdoses));
    assert.equal(shown.fatal, printed(expected.fatal));
  });

  test("the public's brief renders without console errors and shows the public's protected counts", async () => {
    const expected = await measures({});
    const shown = await render({}, 'brief-public');
    assert.equal(shown.audience, 'public');
    assert.equal(shown.overdoses, printed(expected.overdoses));
    assert.equal(shown.fatal, printed(expected.fatal));
  });
});

describe('the area panel', () => {
  test("lists the agency's brief subscriptions of the area and opens the area's brief of the map's window", async () => {
    const created = await fetch(`${server.base}/api/briefs/subscriptions`, {
      method: 'POST',
      headers: { 'X-Api-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ area: 'county:42003', url: 'http://127.0.0.1:9/briefs', audience: 'partner' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const subscription = await created.json();
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:42003#9/40.44/-79.99`, { key });
    try {
      await page.waitForSelector('#area-panel[data-state="ready"]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#area-briefs', 'data-count'), '1');
      assert.equal(await page.getAttribute('#area-briefs li', 'data-subscription'), String(subscription.id));
      assert.match(await page.textContent('#area-briefs li'), /Weekly partner brief to http:\/\/127\.0\.0\.1:9\/briefs/);
      const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#area-brief-html')]);
      await tab.waitForFunction(() => document.querySelector('#window') !== null, null, { timeout: 60_000 });
      assert.match(await tab.textContent('#window'), /2019-03-01 to 2019-03-31/);
      assert.equal(await tab.getAttribute('#audience', 'data-audience'), 'partner');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('without a key says subscriptions need one, and opens the public brief', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:42003#9/40.44/-79.99`);
    try {
      await page.waitForSelector('#area-panel[data-state="ready"]', { timeout: 30_000 });
      assert.match(await page.textContent('#area-briefs-note'), /need a partner key/);
      const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#area-brief-html')]);
      await tab.waitForFunction(() => document.querySelector('#audience') !== null, null, { timeout: 60_000 });
      assert.equal(await tab.getAttribute('#audience', 'data-audience'), 'public');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
