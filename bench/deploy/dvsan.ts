// The dvsan side of the deploy benchmark: a real station core on a fresh data dir, the nodes
// added through the StationApi, and `node/deploy` timed from the call to the task's end.
import { StationClient, type Task } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station } from '../../station/index.js';
import type { LabState } from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';

export interface NodeOutcome {
  ok: boolean;
  roundTrips?: number;
  alreadyCurrent?: boolean;
  pushedRuntime?: boolean;
  version?: string;
  sha256?: string;
  error?: { code: string; message: string };
}

export interface DeployRun {
  seconds: number;
  outcomes: Record<string, NodeOutcome>;
}

export interface BenchStation {
  station: Station;
  client: StationClient;
}

export async function openStation(
  dataDir: string,
  agentBundlePath: string,
  deployConcurrency: number,
): Promise<BenchStation> {
  const station = await createStation({
    dataDir,
    agentBundlePath,
    log: createLogger('silent'),
    deployConcurrency,
  });
  return { station, client: new StationClient(station.transport) };
}

/** Adds every lab node with its host key confirmed up front; returns the node ids. */
export async function addNodes(client: StationClient, lab: LabState): Promise<string[]> {
  const added = await Promise.all(
    lab.nodes.map((n) =>
      client.call('node/add', {
        name: n.name,
        role: n.role,
        address: n.address,
        auth: { kind: 'key', keyPath: lab.keyPath },
        acceptFingerprint: n.hostKeyFingerprint,
      }),
    ),
  );
  return added.map((n) => n.id);
}

/** One timed deploy of every node; rejects unless the task succeeded on every node. */
export async function timedDeploy(
  client: StationClient,
  ids: string[],
  limitMs = 10 * 60_000,
): Promise<DeployRun> {
  const started = performance.now();
  const { taskId } = await client.call('node/deploy', { ids });
  const task: Task = await waitForTask(client, taskId, () => undefined, limitMs);
  const seconds = (performance.now() - started) / 1000;
  const outcomes = ((task.result as { nodes?: Record<string, NodeOutcome> } | null)?.nodes ??
    {}) as Record<string, NodeOutcome>;
  const failed = Object.entries(outcomes).filter(([, o]) => !o.ok);
  if (
    task.state !== 'succeeded' ||
    failed.length > 0 ||
    Object.keys(outcomes).length !== ids.length
  ) {
    const why = failed.map(([name, o]) => `${name}: ${o.error?.message ?? 'failed'}`).join('; ');
    throw new Error(
      `dvsan deploy ended ${task.state}: ${why || task.error?.message || 'not every node reported'}`,
    );
  }
  return { seconds, outcomes };
}
