// The connect window's preload: exactly three functions, plain strings to main, and a bundle a
// sandboxed preload can load.
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { connectChannels } from '../../../../electron/remote/connect-ipc.js';

const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(),
}));

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: (...args: unknown[]) => electron.invoke(...args),
    on: () => {
      throw new Error('the connect preload must not listen to anything');
    },
  },
}));

interface Exposed {
  connect(request: unknown): Promise<unknown>;
  list(): Promise<unknown>;
  forget(url: unknown): Promise<unknown>;
}

async function loadPreload(): Promise<Exposed> {
  vi.resetModules();
  electron.exposed.clear();
  await import('../../../../electron/connect/preload.js');
  return electron.exposed.get('dvsanConnect') as Exposed;
}

const root = join(import.meta.dirname, '..', '..', '..', '..');

describe('connect preload', () => {
  beforeEach(() => {
    electron.invoke.mockReset();
    electron.invoke.mockResolvedValue({ ok: true, result: [] });
  });

  it('exposes exactly one key, dvsanConnect, with exactly connect, list and forget', async () => {
    const api = await loadPreload();
    expect([...electron.exposed.keys()]).toEqual(['dvsanConnect']);
    expect(Object.keys(api).sort()).toEqual(['connect', 'forget', 'list']);
    expect(Object.values(api).every((f) => typeof f === 'function')).toBe(true);
  });

  it('sends only plain strings on the channels main listens on', async () => {
    const api = await loadPreload();
    await api.connect({
      url: 'https://san1.example:8443',
      fingerprint: 'SHA256:AB',
      extra: { toString: () => 'x' },
    });
    await api.connect({ url: { evil: true }, fingerprint: 42 });
    await api.connect(null);
    await api.list();
    await api.forget('https://san1.example:8443');
    await api.forget({ url: 'x' });
    expect(electron.invoke.mock.calls).toEqual([
      [connectChannels.connect, { url: 'https://san1.example:8443', fingerprint: 'SHA256:AB' }],
      [connectChannels.connect, { url: '', fingerprint: '' }],
      [connectChannels.connect, { url: '', fingerprint: '' }],
      [connectChannels.list],
      [connectChannels.forget, 'https://san1.example:8443'],
      [connectChannels.forget, ''],
    ]);
  });

  it('bundles to something a sandboxed preload can load: electron alone, no main code', async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['electron/connect/preload.ts'],
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
    expect(required).toEqual(['electron']);
    expect(Object.keys(result.metafile.inputs)).toEqual(['electron/connect/preload.ts']);
  });
});
