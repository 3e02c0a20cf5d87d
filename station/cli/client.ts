import { StationClient, type Task } from '../../protocol/index.js';
import { createStation, type Station } from '../index.js';
import { createLogger } from '../log.js';
import { remoteTransport } from './remote.js';

export interface GlobalOptions {
  dataDir: string;
  station?: string;
  /** Sign in to `station` as this user. */
  user?: string;
  /** Trust `station`'s TLS certificate by this fingerprint. */
  fingerprint?: string;
}

/**
 * The CLI uses the same StationApi as the console: in-process against the local database,
 * or over HTTP against a running station (`--station URL`).
 */
export async function withClient<T>(
  opts: GlobalOptions,
  work: (client: StationClient) => Promise<T>,
): Promise<T> {
  let station: Station | null = null;
  const client = opts.station
    ? new StationClient(
        remoteTransport(opts.station, { user: opts.user, fingerprint: opts.fingerprint }),
      )
    : new StationClient(
        // A command prints its own outcome; the station's log only adds warnings.
        (station = await createStation({
          dataDir: opts.dataDir,
          log: createLogger(process.env.DVSAN_LOG_LEVEL ?? 'warn'),
        })).transport,
      );
  try {
    return await work(client);
  } finally {
    await station?.close();
  }
}

const finished = new Set<Task['state']>(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** Follows a task to its end through the event stream, with a slow re-check as a safety net. */
export function waitForTask(
  client: StationClient,
  taskId: string,
  onUpdate: (t: Task) => void,
  limitMs = 30 * 60_000,
): Promise<Task> {
  return new Promise((resolve, reject) => {
    const stop = (t: Task | Error) => {
      clearInterval(recheck);
      clearTimeout(limit);
      unsubscribe();
      if (t instanceof Error) reject(t);
      else resolve(t);
    };
    const seen = (t: Task) => {
      if (t.id !== taskId) return;
      onUpdate(t);
      if (finished.has(t.state)) stop(t);
    };
    const unsubscribe = client.onEvent((e) => e.type === 'task.updated' && seen(e.task));
    const recheck = setInterval(
      () => client.call('task/get', { id: taskId }).then(seen, () => undefined),
      2000,
    );
    const limit = setTimeout(
      () => stop(new Error(`task ${taskId} did not finish in ${limitMs / 60000} minutes`)),
      limitMs,
    );
    client.call('task/get', { id: taskId }).then(seen, () => undefined);
  });
}
