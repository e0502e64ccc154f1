// Bundles the web map into src/GeoOrs.Server/wwwroot/dist/: app.js and embed.js (ES modules with
// MapLibre GL and uPlot inside), their CSS, and MapLibre's worker, which MapLibre loads from beside
// the bundle (new URL('./maplibre-gl-worker.mjs', import.meta.url)).
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'GeoOrs.Server', 'wwwroot', 'dist');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'app.js'), embed: join(here, 'src', 'embed.js') },
  outdir: out,
  bundle: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['es2022'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
await copyFile(join(here, 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl-worker.mjs'), join(out, 'maplibre-gl-worker.mjs'));
// Brotli and gzip copies beside each script and style, served to browsers that accept them.
for (const name of await readdir(out)) {
  if (!/\.(m?js|css)$/.test(name)) continue;
  const bytes = await readFile(join(out, name));
  await writeFile(join(out, `${name}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  await writeFile(join(out, `${name}.gz`), gzipSync(bytes, { level: 9 }));
}
console.log(`web map bundled into ${out}`);
