// Builds every part into dist/: the agent bundle pushed to nodes, the station CLI, the
// console and the Electron shell. `node build/build.mjs agent station` builds only those.
import { build as esbuild } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const root = new URL('..', import.meta.url).pathname;
const parts = process.argv.slice(2);
const want = (part) => parts.length === 0 || parts.includes(part);

// CJS bundles have no import.meta; give them the same URL from __filename.
const cjsImportMeta = {
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};

const jobs = [];
if (want('agent')) {
  jobs.push(
    esbuild({
      absWorkingDir: root,
      entryPoints: ['agents/main.ts'],
      outfile: 'dist/agent/dvsan-agent.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      // Nodes may run an older Node than the station.
      target: 'node18',
      minify: true,
      legalComments: 'none',
      define: { __DVSAN_VERSION__: JSON.stringify(pkg.version) },
      logLevel: 'warning',
    }),
  );
}
if (want('station')) {
  jobs.push(
    esbuild({
      absWorkingDir: root,
      entryPoints: { cli: 'station/cli/main.ts', index: 'station/index.ts' },
      outdir: 'dist/station',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    }),
  );
}
if (want('electron')) {
  jobs.push(
    esbuild({
      absWorkingDir: root,
      entryPoints: ['electron/main.ts'],
      outfile: 'dist/electron/main.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      ...cjsImportMeta,
      logLevel: 'warning',
    }),
    esbuild({
      absWorkingDir: root,
      entryPoints: ['electron/station-process.ts'],
      outfile: 'dist/electron/station-process.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      ...cjsImportMeta,
      logLevel: 'warning',
    }),
    // A sandboxed preload can require only electron and a few built-ins: bundle the rest in.
    esbuild({
      absWorkingDir: root,
      entryPoints: ['electron/preload.ts'],
      outfile: 'dist/electron/preload.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['electron'],
      logLevel: 'warning',
    }),
    // The Connect to Station window: its own three-function preload, and a page script.
    esbuild({
      absWorkingDir: root,
      entryPoints: ['electron/connect/preload.ts'],
      outfile: 'dist/electron/connect-preload.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['electron'],
      logLevel: 'warning',
    }),
    esbuild({
      absWorkingDir: root,
      entryPoints: ['electron/connect/page.ts'],
      outfile: 'dist/electron/connect/connect.js',
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      logLevel: 'warning',
    }),
    mkdir(join(root, 'dist/electron/connect'), { recursive: true }).then(() =>
      Promise.all(
        ['connect.html', 'connect.css'].map((name) =>
          copyFile(join(root, 'electron/connect', name), join(root, 'dist/electron/connect', name)),
        ),
      ),
    ),
  );
}
await Promise.all(jobs);
if (want('renderer')) {
  execFileSync(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
console.log(`built ${parts.length ? parts.join(', ') : 'everything'} into dist/`);
