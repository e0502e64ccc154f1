// The browser tests' world: the real server binary on a loopback port against its own PostGIS
// database, API keys made by its command line, data ingested through its API, and Debian's
// headless Chromium (WebGL through SwiftShader) driven by playwright-core.

import { spawn, execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'browser');
const SERVER_DIR = join(ROOT, 'src', 'GeoOrs.Server');
const DLL = join(SERVER_DIR, 'bin', 'Release', 'net10.0', 'GeoOrs.Server.dll');
const CHROMIUM = process.env.GEOORS_CHROMIUM || '/usr/bin/chromium';

// Servers still running when this process exits (a failed hook, an uncaught error): killed with it.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The database these tests own: GEOORS_BROWSER_DB (./geoors test makes geoors_browser fresh for them). */
export function database() {
  const db = process.env.GEOORS_BROWSER_DB;
  if (!db) throw new Error('GEOORS_BROWSER_DB (an Npgsql connection string) is not set: run the browser tests through ./geoors test');
  return db;
}

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function serverEnv(extra = {}) {
  return {
    ...process.env,
    GEOORS_DB: database(),
    GEOORS_ROOT: ROOT,
    ASPNETCORE_ENVIRONMENT: 'Production',
    Boundaries__Directory: join(ROOT, 'shapefiles'),
    Http__PublicPermitsPerMinute: '100000',
    Http__KeyPermitsPerMinute: '100000',
    ...extra,
  };
}

/** Starts the server (the scheduler off unless asked) and waits for /health; returns { base, stop, log }. */
export async function startServer({ demo = false, settings = {} } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = [DLL, 'serve', '--urls', base, ...(demo ? ['--demo'] : [])];
  const child = spawn('dotnet', args, {
    cwd: SERVER_DIR,
    env: serverEnv({ Scheduling__Enabled: demo ? 'true' : 'false', ...settings }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  child.stdout.on('data', d => { log += d; });
  child.stderr.on('data', d => { log += d; });
  const exited = new Promise(ok => child.once('exit', ok));
  child.once('exit', () => running.delete(child));

  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${base}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      await exited;
      throw new Error(`the server was not healthy within 300 s:\n${log}`);
    }
    await new Promise(ok => setTimeout(ok, 500));
  }

  return {
    base,
    log: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A new API key of the role, made by the server's command line. */
export async function createKey(role, agency = 'Browser Tests') {
  const { stdout } = await promisify(execFile)('dotnet', [DLL, 'keys', 'create', '--role', role, '--agency', agency], { cwd: SERVER_DIR, env: serverEnv() });
  const key = /gok_[A-Za-z0-9_-]+/.exec(stdout)?.[0];
  if (!key) throw new Error(`no key in the output of keys create: ${stdout}`);
  return key;
}

/** POSTs a CSV batch to /api/ingest/{kind} and checks that every row was taken. */
export async function ingest(base, key, kind, csv) {
  const response = await fetch(`${base}/api/ingest/${kind}`, { method: 'POST', headers: { 'X-Api-Key': key, 'Content-Type': 'text/csv' }, body: csv });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`ingest ${kind}: ${response.status} ${body}`);
  const batch = JSON.parse(body);
  const rows = csv.trim().split('\n').length - 1;
  if (batch.accepted !== rows) throw new Error(`ingest ${kind}: ${batch.accepted} of ${rows} rows accepted: ${body}`);
  return batch;
}

export async function launchBrowser() {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * A page that records console errors, page errors and every request, with the test mode
 * (WebGL's drawing buffer kept, so pixels can be read) and optionally an API key in session storage.
 */
export async function openPage(browser, url, { key, viewport = { width: 1366, height: 768 }, allow = [] } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', message => {
    if (message.type() !== 'error') return;
    const where = message.location()?.url || '';
    if (allow.some(pattern => pattern.test(where) || pattern.test(message.text()))) return;
    errors.push(`${message.text()} (${where})`);
  });
  page.on('pageerror', error => errors.push(`page error: ${error.message}`));
  page.on('request', request => requests.push({ url: request.url(), headers: request.headers() }));
  await page.addInitScript(k => {
    window.geoorsTest = true;
    if (k) sessionStorage.setItem('geoors.apiKey', k);
  }, key || null);
  await page.goto(url);
  await waitReady(page);
  return { page, context, errors, requests };
}

export async function waitReady(page) {
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
  await waitIdle(page);
}

/** Waits until the map has loaded every tile it asked for. */
export async function waitIdle(page) {
  await page.waitForFunction(() => {
    const map = window.geoors?.map;
    return map && map.loaded() && map.areTilesLoaded() && !map.isMoving();
  }, null, { timeout: 90_000, polling: 200 });
}

/** The RGBA of the map canvas at a longitude and latitude. */
export async function pixelAt(page, lon, lat) {
  return page.evaluate(([x, y]) => {
    const { map } = window.geoors;
    const canvas = map.getCanvas();
    const point = map.project([x, y]);
    const ratio = canvas.width / canvas.clientWidth;
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext('2d');
    context.drawImage(canvas, 0, 0);
    return [...context.getImageData(Math.round(point.x * ratio), Math.round(point.y * ratio), 1, 1).data];
  }, [lon, lat]);
}

export function screenshotPath(name) {
  return join(ARTIFACTS, `${name}.png`);
}
