// The spike-response workflow in the web map: an analyst opens a live alert, acknowledges it, moves
// it on, records an action from the response plan and reads the line list; a partner sees the status
// and the notes but no line list, and sees the analyst's next move arrive over the alert stream.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKey, ingest, launchBrowser, openPage, screenshotPath, startServer } from './harness.mjs';

const ALLEGHENY = { fips: '42003', lon: -79.9959, lat: 40.4406 };
const AGENCY = 'Browser Workflow EMS';

let server;
let browser;
let admin;
let analyst;
let partner;

before(async () => {
  // The fixed threshold is checked at ingest over the days the spike job looks at, up to "today".
  server = await startServer({ settings: { Analysis__AsOf: '2025-02-06', Analysis__SpikeDays: '3' } });
  admin = await createKey('admin');
  analyst = await createKey('analyst', AGENCY);
  partner = await createKey('partner', 'Browser Workflow Outreach');
  const threshold = await fetch(`${server.base}/api/admin/thresholds/county/${ALLEGHENY.fips}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-Api-Key': admin }, body: JSON.stringify({ threshold: 3 }),
  });
  assert.equal(threshold.status, 200);
  // Three overdoses on one local day in Pittsburgh cross the fixed threshold: the ingest stores the alert at once.
  await ingest(server.base, analyst, 'seizures', [
    'external_id,seized_at,lat,lon,drug,quantity,unit,case_reference',
    `ws1,2025-02-06T15:00:00Z,${ALLEGHENY.lat + 0.003},${ALLEGHENY.lon},fentanyl,12,g,W-1`,
  ].join('\n') + '\n');
  await ingest(server.base, analyst, 'overdoses', [
    'external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex',
    `w1,2025-02-05T14:00:00Z,${ALLEGHENY.lat},${ALLEGHENY.lon},exact,false,true,2,fentanyl,25-29,male`,
    `w2,2025-02-05T15:00:00Z,${ALLEGHENY.lat + 0.004},${ALLEGHENY.lon},exact,true,false,,fentanyl;xylazine,40-44,female`,
    `w3,2025-02-05T16:00:00Z,${ALLEGHENY.lat},${ALLEGHENY.lon - 0.004},exact,false,true,1,heroin,30-34,female`,
  ].join('\n') + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await fetch(`${server.base}/api/admin/thresholds/county/${ALLEGHENY.fips}`, { method: 'DELETE', headers: { 'X-Api-Key': admin } });
  await browser?.close();
  await server?.stop();
});

async function openAlert(page) {
  await page.waitForSelector('#alerts-panel[data-state="live"]', { timeout: 30_000 });
  const item = page.locator(`#alerts-list .alert-item[data-area="county:${ALLEGHENY.fips}"]`).first();
  await item.waitFor({ timeout: 30_000 });
  const id = await item.getAttribute('data-alert-id');
  await item.click();
  await page.waitForSelector(`#alert-detail[data-alert-id="${id}"][data-state="ready"]`, { timeout: 30_000 });
  return id;
}

const status = page => page.textContent('#alert-status');

describe('the spike-response workflow', () => {
  test('an analyst moves the alert on and records an action; a partner sees it live without the line list', async () => {
    const a = await openPage(browser, `${server.base}/#9/${ALLEGHENY.lat}/${ALLEGHENY.lon}`, { key: analyst, viewport: { width: 1366, height: 1500 } });
    const p = await openPage(browser, `${server.base}/#9/${ALLEGHENY.lat}/${ALLEGHENY.lon}`, { key: partner });
    try {
      const id = await openAlert(a.page);
      assert.equal(await status(a.page), 'new');
      assert.match(await a.page.textContent('#alert-owner'), /no owner yet/);

      // The line list: the three overdoses, and the seizure nearby by drug.
      await a.page.waitForSelector('#alert-events tbody tr', { timeout: 30_000 });
      assert.equal(await a.page.locator('#alert-events tbody tr').count(), 3);
      assert.match(await a.page.textContent('#alert-events tbody'), /fentanyl, xylazine/);
      assert.match(await a.page.textContent('#alert-seizures tbody'), /fentanyl\s*1\s*12\.0/);

      // Acknowledged by the analyst, whose agency has events there: its agency owns it.
      await a.page.click('#alert-moves button[data-status="acknowledged"]');
      await a.page.waitForSelector('#alert-detail[data-status="acknowledged"]', { timeout: 30_000 });
      assert.match(await a.page.textContent('#alert-owner'), new RegExp(`owned by ${AGENCY}`));
      await a.page.click('#alert-moves button[data-status="investigating"]');
      await a.page.waitForSelector('#alert-detail[data-status="investigating"]', { timeout: 30_000 });
      assert.match(await a.page.textContent('#alert-history'), /acknowledged → investigating/);

      await a.page.fill('#alert-note-text', 'Naloxone kits to the Hill District library.');
      await a.page.selectOption('#alert-note-action', 'deploy_naloxone');
      await a.page.click('#alert-note-add');
      await a.page.waitForSelector('#alert-notes li', { timeout: 30_000 });
      assert.match(await a.page.textContent('#alert-notes'), /Deploy naloxone to the area/);
      assert.match(await a.page.textContent('#alert-notes'), new RegExp(`${AGENCY} \\(analyst`));

      // The partner: status and notes, no moves (its agency has no events there), no line list.
      assert.equal(await openAlert(p.page), id);
      assert.equal(await status(p.page), 'investigating');
      assert.match(await p.page.textContent('#alert-notes'), /Hill District library/);
      assert.equal(await p.page.locator('#alert-moves button').count(), 0);
      assert.equal(await p.page.isVisible('#alert-line-list'), false);
      assert.equal(await p.page.locator('#alert-events tbody tr').count(), 0);

      // The analyst's next move reaches the partner's open page over the alert stream.
      await a.page.click('#alert-moves button[data-status="responded"]');
      await a.page.waitForSelector('#alert-detail[data-status="responded"]', { timeout: 30_000 });
      await p.page.waitForSelector('#alert-detail[data-status="responded"]', { timeout: 30_000 });
      await p.page.waitForSelector(`#alerts-list .alert-item[data-alert-id="${id}"][data-status="responded"]`, { timeout: 30_000 });

      await a.page.locator('#alert-detail').screenshot({ path: screenshotPath('alert-workflow-analyst') });
      await p.page.locator('#alert-detail').screenshot({ path: screenshotPath('alert-workflow-partner') });
      assert.deepEqual(a.errors, []);
      assert.deepEqual(p.errors, []);
    } finally {
      await a.context.close();
      await p.context.close();
    }
  });
});
