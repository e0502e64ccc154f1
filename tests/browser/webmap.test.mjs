// The web map in Debian's headless Chromium against the real server and PostGIS: the page loads
// clean, tiles are requested and drawn, filters reach the tiles, a county click shows the API's
// numbers, the URL round-trips a view, the embed renders, the public sees no event points, and the
// naloxone planner shows the plan the API makes (and says what key it needs).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { createKey, ingest, launchBrowser, openPage, pixelAt, screenshotPath, startServer, waitIdle, waitReady } from './harness.mjs';

const WINDOW = 'from=2024-03-01&to=2024-03-31';
const BALTIMORE = { fips: '24510', lon: -76.61, lat: 39.29 };
const LOVING = { fips: '48301', lon: -103.58, lat: 31.85 };
const BACKGROUND = [0xee, 0xf3, 0xf7];


/**
 * 14 overdoses in Baltimore City (3 fatal; 9 with fentanyl), 5 in Loving County (withheld for the public:
 * 5 perturbed by −4…+4 is always 1–9), 3 seizures.
 */
function overdoseCsv() {
  const rows = ['external_id,occurred_at,lat,lon,location_precision,fatal,naloxone_administered,naloxone_doses,suspected_drugs,age_band,sex'];
  for (let i = 0; i < 14; i++) {
    const day = String(4 + i).padStart(2, '0');
    rows.push(`b${i},2024-03-${day}T12:00:00Z,${(BALTIMORE.lat + (i % 5) * 0.004).toFixed(4)},${(BALTIMORE.lon + (i % 3) * 0.004).toFixed(4)},exact,${i < 3},true,1,${i < 9 ? 'fentanyl' : 'heroin'},30-34,female`);
  }
  for (let i = 0; i < 5; i++) {
    rows.push(`l${i},2024-03-${String(10 + i)}T08:00:00Z,${(LOVING.lat + i * 0.01).toFixed(4)},${LOVING.lon},exact,false,,,cocaine,40-44,male`);
  }
  return `${rows.join('\n')}\n`;
}

function seizureCsv() {
  const rows = ['external_id,seized_at,lat,lon,drug,quantity,unit,case_reference'];
  for (let i = 0; i < 3; i++) rows.push(`s${i},2024-03-${String(12 + i)}T15:00:00Z,${BALTIMORE.lat + i * 0.003},${BALTIMORE.lon},fentanyl,${10 + i},g,C-${i}`);
  return `${rows.join('\n')}\n`;
}

let server;
let browser;
let admin;
let analyst;
let partner;

before(async () => {
  server = await startServer();
  admin = await createKey('admin');
  analyst = await createKey('analyst');
  partner = await createKey('partner');
  await ingest(server.base, admin, 'overdoses', overdoseCsv());
  await ingest(server.base, admin, 'seizures', seizureCsv());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const isBackground = rgba => rgba.slice(0, 3).every((c, i) => Math.abs(c - BACKGROUND[i]) <= 3);

describe('the web map', () => {
  test('loads without console errors and draws the county tiles over the data', async () => {
    const { page, context, errors, requests } = await openPage(browser, `${server.base}/?${WINDOW}#8/${BALTIMORE.lat}/${BALTIMORE.lon}`);
    try {
      const tiles = requests.filter(r => /\/tiles\/counties\/\d+\/\d+\/\d+\.mvt\?/.test(r.url));
      assert.ok(tiles.length > 0, 'no county tiles were requested');
      assert.ok(tiles.every(r => r.url.includes(WINDOW)), 'county tiles were requested without the window');

      const baltimore = await pixelAt(page, BALTIMORE.lon, BALTIMORE.lat);
      const quiet = await pixelAt(page, -77.4, 39.47); // Frederick County, no events
      assert.ok(!isBackground(baltimore), `Baltimore City is not drawn: ${baltimore}`);
      assert.ok(!isBackground(quiet), `Frederick County is not drawn: ${quiet}`);
      assert.ok(Math.abs(baltimore[1] - quiet[1]) > 60, `Baltimore City (${baltimore}) and a county without events (${quiet}) look alike`);

      assert.equal(await page.locator('#legend li').count() > 1, true, 'the legend is empty');
      await page.screenshot({ path: screenshotPath('main-public') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a filter change requests tiles with the new parameters and writes them to the URL', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}#7/${BALTIMORE.lat}/${BALTIMORE.lon}`);
    try {
      const drugTile = page.waitForRequest(r => /\/tiles\/counties\/\d+\/\d+\/\d+\.mvt\?/.test(r.url()) && r.url().includes('drug=fentanyl'));
      const drugLegend = page.waitForRequest(r => r.url().includes('/tiles/counties.json?') && r.url().includes('drug=fentanyl') && r.url().includes('metric=rate'));
      await page.selectOption('#filter-drug', 'fentanyl');
      await Promise.all([drugTile, drugLegend]);

      const fatalTile = page.waitForRequest(r => /\/tiles\/counties\/.*\.mvt\?/.test(r.url()) && r.url().includes('drug=fentanyl') && r.url().includes('fatal=true'));
      await page.selectOption('#filter-fatal', 'true');
      await fatalTile;

      // Playing moves the window a week (03-08 – 04-07); the public's tiles ask for the month it ends in.
      const windowTile = page.waitForRequest(r => /\/tiles\/counties\/.*\.mvt\?/.test(r.url()) && r.url().includes('from=2024-04-01') && r.url().includes('to=2024-04-30'));
      await page.click('#play');
      await windowTile;
      await page.click('#play'); // pause
      await waitIdle(page);

      const search = new URLSearchParams(new URL(page.url()).search);
      assert.equal(search.get('drug'), 'fentanyl');
      assert.equal(search.get('fatal'), 'true');
      assert.equal(search.get('from') >= '2024-03-08', true);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a county click opens the panel with the numbers the API gives for that county', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}#10/${BALTIMORE.lat}/${BALTIMORE.lon}`);
    try {
      const point = await page.evaluate(([lon, lat]) => window.geoors.map.project([lon, lat]), [BALTIMORE.lon, BALTIMORE.lat]);
      const box = await page.locator('#map').boundingBox();
      await page.mouse.click(box.x + point.x, box.y + point.y);
      await page.waitForSelector('#area-panel[data-state="ready"]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#area-panel', 'data-kind'), 'county');
      assert.equal(await page.getAttribute('#area-panel', 'data-id'), BALTIMORE.fips);
      assert.match(await page.textContent('#area-title'), /Baltimore/);

      const areas = await fetch(`${server.base}/api/areas/county/${BALTIMORE.fips}?${WINDOW}`);
      assert.equal(areas.status, 200);
      const expected = (await areas.json()).measures;
      assert.equal(await page.getAttribute('#area-panel', 'data-source'), 'areas');
      // The weekly chart is drawn from the same answer (uPlot draws into a canvas in #area-chart).
      await page.waitForSelector('#area-chart canvas', { timeout: 10_000 });
      const shown = async measure => page.getAttribute(`#area-measures dd[data-measure="${measure}"]`, 'data-value');
      // The public's figure for the 14 overdoses is perturbed by up to ±6 (docs/ACCESS.md; the cell key, and so
      // the noise, differs with each fresh database), the same on every path.
      assert.ok(Math.abs(Number(await shown('overdoses')) - 14) <= 6);
      for (const measure of ['overdoses', 'fatal', 'nonfatal', 'rate', 'seizures']) {
        assert.equal(Number(await shown(measure)), Number(expected[measure]), measure);
      }
      assert.equal(new URL(page.url()).searchParams.get('sel'), `county:${BALTIMORE.fips}`);
      // The public is told the seizure-overdose link needs a key, and no request for it is made.
      assert.match(await page.textContent('#area-links-note'), /needs a partner key/);
      await page.screenshot({ path: screenshotPath('county-panel') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a keyed county panel shows how seizures and overdoses of the drug move together, as the API gives it', async () => {
    const search = `?${WINDOW}&drug=fentanyl&sel=county:${BALTIMORE.fips}`;
    const { page, context, errors } = await openPage(browser, `${server.base}/${search}#9/${BALTIMORE.lat}/${BALTIMORE.lon}`, { key: admin });
    try {
      await page.waitForSelector('#area-panel[data-state="ready"]', { timeout: 30_000 });
      const response = await fetch(`${server.base}/api/areas/county/${BALTIMORE.fips}/drug-links?drug=fentanyl&to=2024-03-31`, { headers: { 'X-Api-Key': admin } });
      assert.equal(response.status, 200);
      const links = await response.json();
      assert.equal(await page.getAttribute('#area-links', 'data-drug'), 'fentanyl');
      if (links.lags.length) {
        const rows = await page.$$eval('#area-links tr[data-lag]', trs => trs.map(tr => [Number(tr.dataset.lag), tr.dataset.significant === 'true', tr.children[2].textContent]));
        assert.deepEqual(rows, links.lags.map(l => [l.lag, l.significant, l.prewhitened.toFixed(2)]));
        assert.match(await page.textContent('#area-links-note'), /not a cause/);
      } else {
        assert.ok((await page.textContent('#area-links-note')).includes(links.note));
      }
      await page.locator('#area-links-note').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('county-panel-drug-links') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the public view says when a county is suppressed', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:${LOVING.fips}#7/${LOVING.lat}/${LOVING.lon}`);
    try {
      await page.waitForSelector('#area-panel[data-state="ready"]');
      assert.equal(await page.getAttribute('#area-measures dd[data-measure="overdoses"]', 'data-value'), '');
      assert.match(await page.textContent('#area-measures dd[data-measure="overdoses"]'), /suppressed/);
      assert.equal(await page.isVisible('#area-suppressed'), true);
      assert.equal(await page.isVisible('#suppression-note'), true);
      assert.ok(Number(await page.getAttribute('#suppression-note', 'data-suppressed')) >= 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the URL round-trips a view', async () => {
    const search = `?${WINDOW}&drug=fentanyl&fatal=false&area=hidta&metric=overdoses&layers=choropleth%2Chotspots%2C-overdoses%2C-seizures%2C-emerging%2C-heat&opacity=choropleth%3A60&sel=county%3A${BALTIMORE.fips}`;
    const hash = '#8/39.3/-76.6';
    const first = await openPage(browser, `${server.base}/${search}${hash}`);
    try {
      const { page } = first;
      assert.equal(new URL(page.url()).search, search);
      assert.equal(new URL(page.url()).hash, hash);
      assert.equal(await page.inputValue('#filter-drug'), 'fentanyl');
      assert.equal(await page.inputValue('#filter-fatal'), 'false');
      assert.equal(await page.inputValue('#choropleth-area'), 'hidta');
      assert.equal(await page.inputValue('#choropleth-metric'), 'overdoses');
      assert.equal(await page.getAttribute('#layer-list li:first-child', 'data-layer'), 'choropleth');
      assert.equal(await page.inputValue('#layer-list li[data-layer="choropleth"] input[data-role="opacity"]'), '60');
      assert.equal(await page.evaluate(() => window.geoors.map.getLayoutProperty('hidta-fill', 'visibility')), 'visible');
      assert.equal(await page.evaluate(() => window.geoors.map.getPaintProperty('hidta-fill', 'fill-opacity')), 0.6);
      await page.waitForSelector('#area-panel[data-state="ready"]');

      const state = await page.evaluate(() => JSON.stringify(window.geoors.state));
      const view = await page.evaluate(() => { const m = window.geoors.map; return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]; });
      const second = await openPage(browser, page.url());
      try {
        assert.equal(await second.page.evaluate(() => JSON.stringify(window.geoors.state)), state);
        const again = await second.page.evaluate(() => { const m = window.geoors.map; return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]; });
        again.forEach((v, i) => assert.ok(Math.abs(v - view[i]) < 1e-3, `view ${view} reopened as ${again}`));
        assert.equal(second.page.url(), page.url());
        assert.deepEqual(second.errors, []);
      } finally {
        await second.context.close();
      }
      assert.deepEqual(first.errors, []);
    } finally {
      await first.context.close();
    }
  });

  test('the share dialog gives the embed snippet and tile URLs of the view', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}#6/39/-77`);
    try {
      await page.click('#share-open');
      const iframe = await page.inputValue('#share-iframe');
      assert.match(iframe, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\?layer=counties&amp;metric=rate&amp;from=2024-03-01&amp;to=2024-03-31#6\/39\/-77"/);
      assert.equal(await page.inputValue('#share-mvt'), `${server.base}/tiles/counties/{z}/{x}/{y}.mvt?${WINDOW}`);
      assert.equal(await page.inputValue('#share-png'), `${server.base}/tiles/counties/{z}/{x}/{y}.png?${WINDOW}&metric=rate`);
      const tilejson = await (await fetch(await page.inputValue('#share-tilejson'))).json();
      assert.equal(tilejson.tilejson, '3.0.0');
      await page.screenshot({ path: screenshotPath('share-dialog') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the embed page renders a chrome-less map', async () => {
    const response = await fetch(`${server.base}/embed?layer=counties&${WINDOW}`);
    assert.match(response.headers.get('content-security-policy'), /frame-ancestors 'self'/);
    const { page, context, errors, requests } = await openPage(browser, `${server.base}/embed?layer=counties&${WINDOW}#9/${BALTIMORE.lat}/${BALTIMORE.lon}`, { viewport: { width: 800, height: 500 } });
    try {
      assert.ok(!isBackground(await pixelAt(page, BALTIMORE.lon, BALTIMORE.lat)), 'the embed draws nothing over Baltimore City');
      assert.equal(await page.locator('#sidebar, #topbar').count(), 0);
      assert.ok(await page.locator('#legend li').count() > 1);
      assert.ok(requests.every(r => !r.headers['x-api-key']), 'the embed sent a key');
      await page.screenshot({ path: screenshotPath('embed') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the public view asks for no points and draws none; a key with points sees them', async () => {
    const url = `${server.base}/?${WINDOW}&layers=overdoses%2Cseizures%2Cchoropleth%2C-hotspots%2C-emerging%2C-heat#9/${BALTIMORE.lat}/${BALTIMORE.lon}`;
    const open = await openPage(browser, url);
    try {
      assert.deepEqual(open.requests.filter(r => /\/tiles\/(overdoses|seizures)/.test(r.url)).map(r => r.url), []);
      assert.deepEqual(await open.page.evaluate(() => window.geoors.map.getStyle().layers.filter(l => l.type === 'circle').map(l => l.id)), []);
      assert.equal(await open.page.isDisabled('#layer-list li[data-layer="overdoses"] input[data-role="toggle"]'), true);
      assert.equal(await open.page.getAttribute('body', 'data-role'), 'public');
      assert.deepEqual(open.errors, []);
    } finally {
      await open.context.close();
    }

    const signed = await openPage(browser, url, { key: admin });
    try {
      const points = signed.requests.filter(r => /\/tiles\/overdoses\/\d+\/\d+\/\d+\.mvt\?/.test(r.url));
      assert.ok(points.length > 0, 'no overdose tiles were requested with the key');
      assert.ok(points.every(r => r.headers['x-api-key'] === admin), 'tile requests did not carry the key');
      const drawn = await signed.page.evaluate(() => window.geoors.map.queryRenderedFeatures({ layers: ['overdose-clusters'] }).length);
      assert.ok(drawn > 0, 'no overdose clusters were drawn');
      assert.equal(await signed.page.getAttribute('body', 'data-role'), 'events');
      await signed.page.waitForSelector('#alerts-panel[data-state="live"]', { timeout: 30_000 });
      await signed.page.screenshot({ path: screenshotPath('main-admin') });
      assert.deepEqual(signed.errors, []);
    } finally {
      await signed.context.close();
    }
  });

  test('a key the server refuses is said so, and the map falls back to the public view', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}`, { key: 'gok_not_a_key', allow: [/status of 401/] });
    try {
      assert.match(await page.textContent('#messages'), /did not accept/);
      assert.equal(await page.getAttribute('body', 'data-role'), 'public');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('geoors.apiKey')), null);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('is usable at phone width', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}#6/39/-77`, { viewport: { width: 390, height: 844 } });
    try {
      assert.equal(await page.isVisible('#sidebar'), false);
      await page.click('#toggle-sidebar');
      assert.equal(await page.isVisible('#filter-drug'), true);
      await page.focus('#filter-drug');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'filter-fatal');
      await page.screenshot({ path: screenshotPath('phone') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe('the time slider', () => {
  test('spans the data, from the first event to today', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/`);
    try {
      await page.waitForFunction(() => window.geoors.dataFrom, null, { timeout: 30_000 });
      const collection = await (await fetch(`${server.base}/ogc/collections/county-aggregates`)).json();
      const first = collection.extent.temporal.interval[0][0].slice(0, 10);
      assert.equal(await page.evaluate(() => window.geoors.dataFrom), first);
      // One step per week from the first event's day (or the window's start, when earlier) to today.
      const from = await page.inputValue('#filter-from');
      const start = from < first ? from : first;
      const weeks = Math.floor((Date.parse(new Date().toISOString().slice(0, 10)) - Date.parse(start)) / (7 * 86_400_000));
      assert.equal(Number(await page.getAttribute('#time-slider', 'max')), weeks);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe('live alerts', () => {
  test('an alert the spike job stores reaches the open page by its stream, and clicking it flies to its county', async () => {
    // A second server runs the schedule over March 2024; the page is on the first, which hears of the
    // new alerts by the database's notification and streams them.
    const threshold = await fetch(`${server.base}/api/admin/thresholds/county/${BALTIMORE.fips}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-Api-Key': admin }, body: JSON.stringify({ threshold: 1 }),
    });
    assert.equal(threshold.status, 200);
    const { page, context, errors } = await openPage(browser, `${server.base}/#5/39/-100`, { key: analyst });
    const scheduler = await startServer({ settings: { Scheduling__Enabled: 'true', Analysis__AsOf: '2024-03-31', Analysis__SpikeDays: '31' } });
    try {
      await page.waitForSelector('#alerts-panel[data-state="live"]', { timeout: 30_000 });
      const started = await fetch(`${scheduler.base}/api/hotspots/runs`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': admin }, body: JSON.stringify({ kind: 'spikes' }),
      });
      assert.equal(started.status, 202);
      const item = page.locator(`#alerts-list .alert-item[data-area="county:${BALTIMORE.fips}"]`).first();
      await item.waitFor({ timeout: 60_000 });
      const id = await item.getAttribute('data-alert-id');
      const stored = await (await fetch(`${server.base}/api/alerts?area=county:${BALTIMORE.fips}&method=threshold`, { headers: { 'X-Api-Key': analyst } })).json();
      assert.ok(stored.some(alert => alert.id === id), 'the streamed alert is a stored one');

      await item.click();
      await page.waitForSelector(`#area-panel[data-state="ready"][data-id="${BALTIMORE.fips}"]`, { timeout: 30_000 });
      await page.waitForFunction(() => !window.geoors.map.isMoving(), null, { timeout: 30_000 });
      const centre = await page.evaluate(() => window.geoors.map.getCenter());
      assert.ok(Math.abs(centre.lng - BALTIMORE.lon) < 0.2 && Math.abs(centre.lat - BALTIMORE.lat) < 0.2, `centre ${centre.lng}, ${centre.lat}`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await scheduler.stop();
      await fetch(`${server.base}/api/admin/thresholds/county/${BALTIMORE.fips}`, { method: 'DELETE', headers: { 'X-Api-Key': admin } });
    }
  });
});

describe('the naloxone planner', () => {
  const PLAN = {
    area: { county: BALTIMORE.fips },
    from: '2024-03-01',
    to: '2024-03-31',
    weights: { fatal: 1, nonfatal: 1 },
    candidates: { grid: 500 },
    k: 2,
    radiusMeters: 1000,
    format: 'json',
  };

  test('plans sites over the selected county and shows what the API gives for the same request', async () => {
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:${BALTIMORE.fips}#11/${BALTIMORE.lat}/${BALTIMORE.lon}`,
      { key: analyst, allow: [/status of 400/] });
    try {
      assert.equal(await page.isVisible('#planner-access'), false);
      assert.equal(await page.inputValue('#planner-area'), 'selected');
      assert.match(await page.textContent('#planner-area option[value="selected"]'), /24510/);

      // A field the server refuses is named, and its input marked.
      await page.fill('#planner-grid', '10');
      await page.click('#planner-run');
      await page.waitForSelector('#planner-panel[data-state="error"]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#planner-error', 'data-field'), 'candidates.grid');
      assert.match(await page.textContent('#planner-error'), /Grid spacing \(candidates\.grid\): .*50 to 100,000/);
      assert.equal(await page.getAttribute('#planner-grid', 'aria-invalid'), 'true');

      // Filled and run from the keyboard: Enter in a field submits the form.
      await page.fill('#planner-grid', '500');
      await page.fill('#planner-radius', '1000');
      await page.fill('#planner-k', '2');
      await page.focus('#planner-k');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#planner-panel[data-state="ready"]', { timeout: 60_000 });
      assert.equal(await page.isVisible('#planner-error'), false);
      assert.deepEqual(await page.evaluate(() => window.geoors.planner.request), PLAN);

      const response = await fetch(`${server.base}/api/planning/naloxone`, {
        method: 'POST', headers: { 'X-Api-Key': analyst, 'Content-Type': 'application/json' }, body: JSON.stringify(PLAN),
      });
      assert.equal(response.status, 200);
      const expected = await response.json();
      assert.equal(expected.total_demand, 14);
      assert.equal(expected.sites.length, 2);

      const shown = await page.$$eval('#planner-sites li', items => items.map(li => ({
        rank: Number(li.dataset.rank), name: li.dataset.name, lon: Number(li.dataset.lon), lat: Number(li.dataset.lat),
        added_demand: Number(li.dataset.addedDemand), covered_demand: Number(li.dataset.coveredDemand),
      })));
      assert.deepEqual(shown, expected.sites);
      const measure = async key => Number(await page.getAttribute(`#planner-summary dd[data-measure="${key}"]`, 'data-value'));
      for (const key of ['covered_share', 'total_demand', 'covered_demand', 'new_demand', 'upper_bound', 'gap']) {
        assert.equal(await measure(key), expected[key], key);
      }
      assert.match(await page.textContent('#planner-summary dd[data-measure="covered_share"]'), new RegExp(`${(100 * expected.covered_share).toFixed(1).replace(/\.0$/, '')} %`));
      const gap = await page.textContent('#planner-gap');
      if (expected.proven_optimal) assert.match(gap, /^Optimal/);
      else assert.match(gap, new RegExp(`Within ${Number((100 * expected.relative_gap).toFixed(2))} % of the optimum`));

      // Numbered markers, one coverage circle per site, the curve.
      assert.deepEqual(await page.$$eval('.planner-marker', els => els.map(e => e.textContent)), ['1', '2']);
      const coverage = await page.evaluate(async () => window.geoors.map.getSource('planner-coverage').getData());
      assert.equal(coverage.features.length, PLAN.k);
      coverage.features.forEach((feature, i) => {
        assert.equal(feature.geometry.type, 'Polygon');
        assert.equal(feature.geometry.coordinates[0].length, 65);
        assert.equal(feature.properties.rank, i + 1);
        const [lon, lat] = feature.geometry.coordinates[0][0]; // due north of the site, one radius away
        assert.ok(Math.abs(lon - expected.sites[i].lon) < 1e-5);
        assert.ok(Math.abs((lat - expected.sites[i].lat) * 111_195 - PLAN.radiusMeters) < 1);
      });
      assert.equal((await page.evaluate(async () => window.geoors.map.getSource('planner-sites').getData())).features.length, PLAN.k);
      await page.waitForSelector('#planner-curve canvas');
      assert.equal(await page.getAttribute('#planner-curve', 'data-points'), String(expected.curve.length));

      // Exports: the sites as GeoJSON and as CSV.
      const [geojson] = await Promise.all([page.waitForEvent('download'), page.click('#planner-export-geojson')]);
      assert.equal(geojson.suggestedFilename(), 'naloxone-sites.geojson');
      const exported = JSON.parse(await readFile(await geojson.path(), 'utf8'));
      assert.equal(exported.type, 'FeatureCollection');
      assert.deepEqual(exported.features.map(f => f.geometry.coordinates), expected.sites.map(s => [s.lon, s.lat]));
      assert.deepEqual(exported.features.map(f => f.properties), expected.sites);
      assert.equal(exported.plan.covered_share, expected.covered_share);
      const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#planner-export-csv')]);
      const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
      assert.equal(lines[0], 'rank,name,lat,lon,added_demand,covered_demand');
      assert.equal(lines.length, 1 + expected.sites.length);

      await page.locator('#planner-panel').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('planner') });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('plans over uploaded candidate and existing sites as the API does for the same files', async () => {
    const candidatesCsv = `name,lat,lon\nnorth,${BALTIMORE.lat + 0.008},${BALTIMORE.lon + 0.004}\ncentre,${BALTIMORE.lat},${BALTIMORE.lon}\nfar,${BALTIMORE.lat - 0.05},${BALTIMORE.lon - 0.05}\n`;
    const existing = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'pharmacy' }, geometry: { type: 'Point', coordinates: [BALTIMORE.lon + 0.008, BALTIMORE.lat + 0.016] } }] };
    const { page, context, errors } = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:${BALTIMORE.fips}#11/${BALTIMORE.lat}/${BALTIMORE.lon}`, { key: analyst });
    try {
      await page.selectOption('#planner-candidates-mode', 'file');
      await page.setInputFiles('#planner-candidates-file', { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(candidatesCsv) });
      await page.setInputFiles('#planner-existing-file', { name: 'existing.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(existing)) });
      await page.fill('#planner-radius', '600');
      await page.fill('#planner-k', '2');
      await page.click('#planner-run');
      await page.waitForSelector('#planner-panel[data-state="ready"]', { timeout: 60_000 });

      const request = await page.evaluate(() => window.geoors.planner.request);
      assert.deepEqual(request.candidates, { csv: candidatesCsv });
      assert.deepEqual(request.existing, { features: existing });
      const response = await fetch(`${server.base}/api/planning/naloxone`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': analyst }, body: JSON.stringify(request),
      });
      assert.equal(response.status, 200);
      const expected = await response.json();
      assert.ok(expected.existing_demand > 0, 'the existing pharmacy covers some of the test overdoses');
      const names = await page.$$eval('#planner-sites li', items => items.map(li => li.dataset.name));
      assert.deepEqual(names, expected.sites.map(site => site.name));
      assert.equal(Number(await page.getAttribute('#planner-summary dd[data-measure="existing_demand"]', 'data-value')), expected.existing_demand);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the public and partners are told planning needs an analyst key, and no plan is made', async () => {
    const statuses = [];
    const open = await openPage(browser, `${server.base}/?${WINDOW}#11/${BALTIMORE.lat}/${BALTIMORE.lon}`, { allow: [/status of 401/] });
    try {
      const { page } = open;
      page.on('response', r => { if (r.url().includes('/api/planning/')) statuses.push(r.status()); });
      assert.equal(await page.getAttribute('#planner-panel', 'data-state'), 'locked');
      assert.equal(await page.isVisible('#planner-access'), true);
      assert.match(await page.textContent('#planner-access'), /needs an analyst.*key/);
      assert.equal(await page.inputValue('#planner-area'), 'centre');
      await page.click('#planner-run');
      await page.waitForSelector('#planner-panel[data-state="denied"]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#planner-panel', 'data-status'), '401');
      assert.match(await page.textContent('#planner-access'), /The server answered 401 Unauthorized: .*needs an API key/);
      assert.equal(await page.isVisible('#planner-results'), false);
      assert.equal(await page.locator('.planner-marker').count(), 0);
      assert.deepEqual(open.errors, []);
    } finally {
      await open.context.close();
    }

    const signed = await openPage(browser, `${server.base}/?${WINDOW}&sel=county:${BALTIMORE.fips}#11/${BALTIMORE.lat}/${BALTIMORE.lon}`, { key: partner, allow: [/status of 403/] });
    try {
      const { page } = signed;
      page.on('response', r => { if (r.url().includes('/api/planning/')) statuses.push(r.status()); });
      await page.click('#planner-run');
      await page.waitForSelector('#planner-panel[data-state="denied"]', { timeout: 30_000 });
      assert.equal(await page.getAttribute('#planner-panel', 'data-status'), '403');
      assert.match(await page.textContent('#planner-access'), /needs an analyst.*The server answered 403.*: .*(role|partner)/);
      assert.equal(await page.locator('.planner-marker').count(), 0);
      assert.deepEqual(signed.errors, []);
    } finally {
      await signed.context.close();
    }
    assert.deepEqual(statuses, [401, 403]);
  });
});

export { waitReady };

describe('the jobs dashboard', () => {
  test('an admin key shows the Jobs link, which opens the dashboard; a partner key shows none', async () => {
    const asPartner = await openPage(browser, `${server.base}/?${WINDOW}`, { key: partner });
    try {
      // The map asks whether this key may open the dashboard; the link stays hidden once it is told no.
      const asked = asPartner.page.waitForResponse(r => r.url().endsWith('/api/jobs/dashboard-session') && r.request().method() === 'GET');
      await asPartner.page.reload();
      assert.equal(await (await asked).json().then(b => b.available), false);
      await waitReady(asPartner.page);
      assert.equal(await asPartner.page.locator('#jobs-link').isVisible(), false, 'a partner key shows the Jobs link');
      const direct = await asPartner.page.goto(`${server.base}/jobs`);
      assert.equal(direct.status(), 401, 'a navigation without an admin session reaches the dashboard');
    } finally {
      await asPartner.context.close();
    }

    const asAdmin = await openPage(browser, `${server.base}/?${WINDOW}`, { key: admin });
    try {
      await waitReady(asAdmin.page);
      const link = asAdmin.page.locator('#jobs-link');
      await link.waitFor({ state: 'visible' });
      await Promise.all([asAdmin.page.waitForURL(`${server.base}/jobs`), link.click()]);
      assert.match(await asAdmin.page.title(), /GeoOrs jobs/);
      const recurring = await asAdmin.page.goto(`${server.base}/jobs/recurring`);
      assert.equal(recurring.status(), 200);
      await asAdmin.page.screenshot({ path: screenshotPath('jobs-dashboard') });
      assert.deepEqual(asAdmin.errors, []);
    } finally {
      await asAdmin.context.close();
    }
  });
});
