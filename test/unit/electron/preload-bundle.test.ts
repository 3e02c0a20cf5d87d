// A sandboxed preload can require only electron, events, timers and url. Bundling the preload
// the way the build does (CommonJS, zod inlined, electron external) must leave no other
// require, or the preload would fail to load and the console would have no station.
// The options are those build/build.mjs uses for dist/electron/preload.cjs.
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const sandboxModules = new Set(['electron', 'events', 'timers', 'url']);

describe('preload bundle', () => {
  it('requires nothing a sandboxed preload cannot load', async () => {
    const result = await build({
      entryPoints: [join(root, 'electron', 'preload.ts')],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: ['electron'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !sandboxModules.has(name ?? ''))).toEqual([]);
    // zod and the protocol schemas are inside the bundle, nothing from main or the station.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('node_modules/zod/'))).toBe(true);
    expect(
      inputs.filter(
        (p) => /(^|\/)(station|agents|renderer)\//.test(p) || p.endsWith('electron/ipc.ts'),
      ),
    ).toEqual([]);
  });
});
