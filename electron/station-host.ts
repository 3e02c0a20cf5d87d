// The one place the desktop shell depends on the station core: it runs the core in an
// Electron utility process and gives main a StationTransport that speaks to it by messages.
import type { StationTransport } from '../protocol/client.js';
import { DvsanError } from '../protocol/errors.js';
import type { StationEvent } from '../protocol/station-api.js';
import type { Answer, FromStation, ToStation } from './station-messages.js';

export interface HostedStation {
  transport: StationTransport;
  close(): Promise<void>;
}

/** The parts of Electron's UtilityProcess used here (structural, so tests pass a fake). */
export interface ChildLike {
  postMessage(message: ToStation): void;
  on(event: 'message', listener: (message: FromStation) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}

export type Fork = (modulePath: string) => ChildLike;

/** Opening runs migrations and loads keys; a station that takes longer is stuck. */
const startTimeoutMs = 60_000;
const closeTimeoutMs = 10_000;

const gone = (): Answer => ({
  ok: false,
  error: new DvsanError('internal', 'the station process has stopped: restart dvsan').toShape(),
});

export function startStation(
  opts: { dataDir: string; agentBundlePath?: string; secretKey?: Buffer },
  fork: Fork,
  /** dist/electron/station-process.cjs, next to main's own bundle. */
  modulePath: string,
): Promise<HostedStation> {
  const child = fork(modulePath);
  const pending = new Map<number, (answer: Answer) => void>();
  const listeners = new Set<(event: StationEvent) => void>();
  let nextId = 1;
  let exited = false;
  let onClosed: (() => void) | null = null;

  function call(method: string, params: unknown): Promise<Answer> {
    if (exited) return Promise.resolve(gone());
    const id = nextId++;
    return new Promise((answer) => {
      pending.set(id, answer);
      child.postMessage({ type: 'call', id, method, params });
    });
  }

  function subscribe(listener: (event: StationEvent) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  const transport: StationTransport = { call, subscribe };

  /** Asks the station to flush and stop; kills the process if it does not within the limit. */
  function close(): Promise<void> {
    if (exited) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(() => {
        child.kill();
        done();
      }, closeTimeoutMs);
      onClosed = () => {
        clearTimeout(timer);
        child.kill();
        done();
      };
      child.postMessage({ type: 'close' });
    });
  }

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the station did not start within ${startTimeoutMs / 1000} s`));
    }, startTimeoutMs);
    child.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      for (const answer of pending.values()) answer(gone());
      pending.clear();
      onClosed?.();
      reject(new Error(`the station process exited (code ${code}) before it was ready`));
    });
    child.on('message', (message) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(timer);
          resolve({ transport, close });
          break;
        case 'failed':
          clearTimeout(timer);
          child.kill();
          reject(new Error(message.message));
          break;
        case 'answer':
          pending.get(message.id)?.(message.answer);
          pending.delete(message.id);
          break;
        case 'event':
          for (const listener of listeners) listener(message.event);
          break;
        case 'closed':
          onClosed?.();
          break;
      }
    });
    child.postMessage({
      type: 'start',
      options: {
        dataDir: opts.dataDir,
        ...(opts.agentBundlePath ? { agentBundlePath: opts.agentBundlePath } : {}),
        ...(opts.secretKey ? { secretKeyHex: opts.secretKey.toString('hex') } : {}),
      },
    });
  });
}
