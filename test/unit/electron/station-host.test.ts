// The station in a utility process, with the process replaced by an in-memory pair of ports
// (messages are structured-cloned as Electron would) and the real station core behind them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStation, type ChildLike } from '../../../electron/station-host.js';
import type { FromStation, ToStation } from '../../../electron/station-messages.js';
import { serveStation, type ParentPortLike } from '../../../electron/station-process.js';
import { StationClient, type StationEvent } from '../../../protocol/index.js';
import { createStation } from '../../../station/index.js';
import { createLogger } from '../../../station/log.js';

type Listener = (value: never) => void;

/** A child process in this process: main's side and the station's side of one message pipe. */
function pipe(serve: (port: ParentPortLike) => void) {
  const toMain = new Map<string, Listener[]>();
  const toChild: Listener[] = [];
  const emit = (event: string, value: unknown) =>
    setImmediate(() => (toMain.get(event) ?? []).forEach((l) => l(value as never)));
  let killed = false;
  const child: ChildLike & { exit(code: number): void; killed(): boolean } = {
    postMessage: (m: ToStation) =>
      setImmediate(() => toChild.forEach((l) => l({ data: structuredClone(m) } as never))),
    on: (event: string, listener: Listener) =>
      toMain.set(event, [...(toMain.get(event) ?? []), listener]),
    kill: () => (killed = true),
    exit: (code: number) => emit('exit', code),
    killed: () => killed,
  } as never;
  serve({
    on: (_event, listener) => toChild.push(listener as Listener),
    postMessage: (m: FromStation) => emit('message', structuredClone(m)),
  });
  return child;
}

const dataDir = () => mkdtempSync(join(tmpdir(), 'dvsan-utility-'));
const create = (opts: Parameters<typeof createStation>[0]) =>
  createStation({ ...opts, log: createLogger('silent') });

describe('the station in a utility process', () => {
  it('answers calls, streams events, keeps the key out of argv, and closes on request', async () => {
    let forkedWith: string | null = null;
    let child!: ReturnType<typeof pipe>;
    const hosted = await startStation(
      { dataDir: dataDir(), secretKey: Buffer.alloc(32, 7) },
      (modulePath) => {
        forkedWith = modulePath;
        child = pipe((port) => serveStation(port, create));
        return child;
      },
      '/app/dist/electron/station-process.cjs',
    );
    expect(forkedWith).toBe('/app/dist/electron/station-process.cjs');
    const client = new StationClient(hosted.transport);
    expect((await client.call('settings/get', {})).missedHeartbeats).toBeGreaterThan(0);
    await expect(client.call('node/get', { id: 'nope' })).rejects.toMatchObject({
      code: 'not-found',
    });
    const seen: StationEvent[] = [];
    hosted.transport.subscribe((e) => seen.push(e));
    await client.call('settings/update', { missedHeartbeats: 4 });
    await expect.poll(() => seen.some((e) => e.type === 'pool.updated')).toBe(true);
    await hosted.close();
    expect(child.killed()).toBe(true);
  });

  it('says why the station could not start', async () => {
    const failing = startStation(
      { dataDir: '/dev/null/dvsan' },
      () => pipe((port) => serveStation(port, create)),
      'station-process.cjs',
    );
    await expect(failing).rejects.toThrow(/ENOTDIR/);
  });

  it('answers calls in flight with a clear error when the process dies', async () => {
    let child!: ReturnType<typeof pipe>;
    const hosted = await startStation(
      { dataDir: dataDir() },
      () => {
        child = pipe((port) =>
          serveStation(
            {
              on: port.on.bind(port),
              // The station never answers calls: they stay in flight until the exit.
              postMessage: (m) => m.type !== 'answer' && port.postMessage(m),
            },
            create,
          ),
        );
        return child;
      },
      'station-process.cjs',
    );
    const inFlight = hosted.transport.call('settings/get', {});
    child.exit(1);
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await hosted.transport.call('settings/get', {})).toMatchObject({ ok: false });
    await hosted.close();
  });
});
