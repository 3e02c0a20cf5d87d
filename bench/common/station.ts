// A real station core for benchmarks that drive a lab: a fresh data dir, the StationApi client,
// lab nodes added with their host keys confirmed up front and deployed through the API.
import { StationClient, type Task } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station, type StationOptions } from '../../station/index.js';
import type { LabNode, LabState } from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';

export interface BenchStation {
  station: Station;
  client: StationClient;
}

export async function openStation(
  dataDir: string,
  agentBundlePath: string,
  extra: Partial<StationOptions> = {},
): Promise<BenchStation> {
  const station = await createStation({
    dataDir,
    agentBundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
    ...extra,
  });
  return { station, client: new StationClient(station.transport) };
}

/** Closing waits for work in flight; past `limitMs` the run goes on without it. */
export async function closeStation(s: BenchStation, limitMs = 15_000): Promise<void> {
  await Promise.race([s.station.close(), new Promise((r) => setTimeout(r, limitMs))]);
}

/** Waits for a task the caller started; rejects unless it succeeded. */
export async function taskDone(
  client: StationClient,
  start: Promise<{ taskId: string }>,
  what: string,
  limitMs = 180_000,
): Promise<Task> {
  const { taskId } = await start;
  const task = await waitForTask(client, taskId, () => undefined, limitMs);
  if (task.state !== 'succeeded')
    throw new Error(`${what} ended ${task.state}: ${task.error?.message ?? 'no message'}`);
  return task;
}

/**
 * Adds the nodes (host keys confirmed up front), deploys the agent on all of them in one task
 * and waits until every one is up (units: in the pool). Returns the node ids by name.
 */
export async function addAndDeploy(
  client: StationClient,
  lab: LabState,
  nodes: LabNode[],
  limitMs = 180_000,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const n of nodes) {
    const { id } = await client.call('node/add', {
      name: n.name,
      role: n.role,
      address: n.address,
      auth: { kind: 'key', keyPath: lab.keyPath },
      acceptFingerprint: n.hostKeyFingerprint,
    });
    ids.set(n.name, id);
  }
  await taskDone(client, client.call('node/deploy', { ids: [...ids.values()] }), 'deploy', limitMs);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = await client.call('node/list', {});
    // A unit counts once its storage is in the pool: volumes can be made on it.
    const pooled = new Set(
      (await client.call('pool/get', {})).units.filter((u) => u.health === 'up').map((u) => u.name),
    );
    const waiting = nodes.filter(
      (n) =>
        list.find((v) => v.name === n.name)?.health !== 'up' ||
        (n.role === 'unit' && !pooled.has(n.name)),
    );
    if (waiting.length === 0) return ids;
    if (Date.now() > deadline)
      throw new Error(`not up 60 s after deploy: ${waiting.map((n) => n.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
