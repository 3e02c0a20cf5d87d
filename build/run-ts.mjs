// Runs a TypeScript entry (benchmarks, scripts) with the same esbuild the build uses:
// bundled to a temporary ESM file next to the sources' packages, then imported.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node build/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const outDir = mkdtempSync(join(root, 'dist', '.run-'));
const outfile = join(outDir, 'entry.mjs');
try {
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  process.argv = [process.argv[0], resolve(entry), ...args];
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
