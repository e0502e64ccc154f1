// Regenerates docs/screenshots/ from the demo data: the main view, a county's panel, the embed, the
// naloxone planner, and Allegheny County's data brief (a partner's PDF, first page, drawn by
// poppler's pdftoppm; the public's HTML page).
// Run by ./geoors screenshots (GEOORS_BROWSER_DB is a fresh database for the demo).
//   node screenshots.mjs OUTPUT_FOLDER

import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createKey, launchBrowser, openPage, startServer } from './harness.mjs';

const out = resolve(process.argv[2] || join('..', '..', 'docs', 'screenshots'));
await mkdir(out, { recursive: true });

const server = await startServer({ demo: true });
let browser;
try {
  const key = await createKey('admin', 'GeoOrs screenshots');
  const get = async path => (await fetch(`${server.base}${path}`, { headers: { 'X-Api-Key': key } })).json();

  // The demo loads four batches in the background, then runs each analysis job once.
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const batches = await get('/api/ingest/batches');
    const runs = await get('/api/hotspots/runs?limit=50');
    const done = kind => runs.some(r => r.kind === kind && r.status === 'succeeded');
    if (batches.length >= 4 && batches.every(b => b.status === 'committed') && done('hotspots') && done('emerging') && done('spikes')) break;
    if (Date.now() > deadline) throw new Error('the demo data did not load within 15 minutes');
    await new Promise(ok => setTimeout(ok, 3000));
  }

  browser = await launchBrowser();
  const shots = [
    { name: 'main-view', url: '/?layers=overdoses%2Chotspots%2Cchoropleth%2C-seizures%2C-emerging%2C-heat#4/38.5/-92', key },
    { name: 'county-panel', url: '/?sel=county%3A42003&layers=choropleth%2Chotspots%2C-overdoses%2C-seizures%2C-emerging%2C-heat#8/40.45/-80.2', key, panel: true },
    { name: 'embed', url: '/embed?layer=counties&metric=rate#3.6/38.5/-96', viewport: { width: 900, height: 540 } },
    { name: 'planner', url: '/?sel=county%3A42003&layers=choropleth%2C-overdoses%2C-hotspots%2C-seizures%2C-emerging%2C-heat#9/40.45/-80.0', key, planner: true },
  ];
  for (const shot of shots) {
    const { page, context } = await openPage(browser, server.base + shot.url, { key: shot.key, viewport: shot.viewport, allow: [/./] });
    if (shot.panel) await page.waitForSelector('#area-panel[data-state="ready"]', { timeout: 60_000 });
    if (shot.key) await page.waitForSelector('#alerts-panel[data-state="live"]', { timeout: 60_000 });
    if (shot.planner) {
      await page.fill('#planner-grid', '1000');
      await page.fill('#planner-k', '8');
      await page.fill('#planner-radius', '1500');
      await page.click('#planner-run');
      await page.waitForSelector('#planner-panel[data-state="ready"]', { timeout: 120_000 });
      await page.evaluate(() => new Promise(ok => window.geoors.map.once('idle', ok)));
      await page.locator('#planner-gap').scrollIntoViewIfNeeded();
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, `${shot.name}.png`) });
    await context.close();
    console.log(`${join(out, `${shot.name}.png`)}`);
  }

  // The data brief of Allegheny County for June 2024: a partner's PDF (its first page) and the public's HTML.
  const brief = '/api/briefs/county/42003?from=2024-06-01&to=2024-06-30';
  const pdf = join(tmpdir(), `geoors-brief-${process.pid}.pdf`);
  await writeFile(pdf, Buffer.from(await (await fetch(`${server.base}${brief}&format=pdf`, { headers: { 'X-Api-Key': key } })).arrayBuffer()));
  await promisify(execFile)('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf, join(out, 'brief-pdf')]);
  await rm(pdf);
  console.log(join(out, 'brief-pdf.png'));
  const context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
  const page = await context.newPage();
  await page.goto(`${server.base}${brief}&format=html`);
  await page.waitForLoadState('load');
  await page.screenshot({ path: join(out, 'brief-html.png'), fullPage: true });
  await context.close();
  console.log(join(out, 'brief-html.png'));
} finally {
  await browser?.close();
  await server.stop();
}
