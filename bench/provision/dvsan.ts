// The dvsan side of the provision benchmark: a real station core on a fresh data dir, one lab
// unit added and deployed through the StationApi, then volume/create + volume/export timed per
// operation from the caller's side (the latency an admin or a script sees).
import { StationClient } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { createStation, type Station } from '../../station/index.js';
import type { LabNode, LabState } from '../../station/lab/index.js';
import { createLogger } from '../../station/log.js';

export const MiB = 1024 * 1024;

export interface BenchStation {
  station: Station;
  client: StationClient;
}

export async function openStation(dataDir: string, agentBundlePath: string): Promise<BenchStation> {
  const station = await createStation({
    dataDir,
    agentBundlePath,
    log: createLogger('silent'),
    announce: { listen: { host: '0.0.0.0', port: 0 } },
  });
  return { station, client: new StationClient(station.transport) };
}

/** Adds the unit (host key confirmed up front), deploys the agent, waits until it is up. */
export async function addUnit(
  client: StationClient,
  lab: LabState,
  unit: LabNode,
): Promise<string> {
  const { id } = await client.call('node/add', {
    name: unit.name,
    role: 'unit',
    address: unit.address,
    auth: { kind: 'key', keyPath: lab.keyPath },
    acceptFingerprint: unit.hostKeyFingerprint,
  });
  const { taskId } = await client.call('node/deploy', { ids: [id] });
  const task = await waitForTask(client, taskId, () => undefined, 120_000);
  if (task.state !== 'succeeded')
    throw new Error(`deploy ended ${task.state}: ${task.error?.message ?? 'no message'}`);
  for (let i = 0; i < 300; i++) {
    const pool = await client.call('pool/get', {});
    if (pool.units.some((u) => u.nodeId === id && u.health === 'up')) return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${unit.name} did not come up in the pool within 30 s of its deploy`);
}

export interface Made {
  id: string;
  name: string;
}

export interface ProvisionRun {
  createMs: number[];
  exportMs: number[];
  totalSeconds: number;
  stoppedByBudget: boolean;
}

/** Volume names sort in operation order: p0001, p0002, … */
export const volumeName = (i: number) => `p${String(i).padStart(4, '0')}`;

/** One create+export, each call timed; the volume is recorded in `made` once it exists. */
export async function createAndExport(
  client: StationClient,
  unitId: string,
  name: string,
  hostIqn: string,
  made: Made[],
): Promise<[number, number]> {
  const t0 = performance.now();
  const v = await client.call('volume/create', { name, sizeBytes: MiB, unitId });
  made.push({ id: v.id, name });
  const t1 = performance.now();
  const exported = await client.call('volume/export', { id: v.id, initiatorIqn: hostIqn });
  const t2 = performance.now();
  if (exported.exports.length !== 1 || exported.exports[0]?.initiatorIqn !== hostIqn)
    throw new Error(`${name} is not exported to ${hostIqn}`);
  return [t1 - t0, t2 - t1];
}

/**
 * `count` create+export operations in a row, or fewer if `budgetSeconds` runs out (the loop
 * is bounded either way). `made` collects every volume as soon as it exists, so a failure
 * part-way still leaves the caller a list to delete.
 */
export async function provision(
  client: StationClient,
  unitId: string,
  count: number,
  hostIqn: string,
  budgetSeconds: number,
  made: Made[],
  progress: (done: number, seconds: number, lastMs: number) => void,
): Promise<ProvisionRun> {
  const createMs: number[] = [];
  const exportMs: number[] = [];
  const started = performance.now();
  let stoppedByBudget = false;
  for (let i = 1; i <= count; i++) {
    const [c, e] = await createAndExport(client, unitId, volumeName(i), hostIqn, made);
    createMs.push(c);
    exportMs.push(e);
    const seconds = (performance.now() - started) / 1000;
    if (i % 100 === 0 || i === count) progress(i, seconds, c + e);
    if (seconds > budgetSeconds && i < count) {
      stoppedByBudget = true;
      progress(i, seconds, c + e);
      break;
    }
  }
  return {
    createMs,
    exportMs,
    totalSeconds: (performance.now() - started) / 1000,
    stoppedByBudget,
  };
}

/** A create+export+delete before the timed run: the agent process, backend detection, JIT. */
export async function warmUp(
  client: StationClient,
  unitId: string,
  hostIqn: string,
): Promise<{ createMs: number; exportMs: number; deleteMs: number }> {
  const made: Made[] = [];
  const [createMs, exportMs] = await createAndExport(client, unitId, 'warmup', hostIqn, made);
  const t = performance.now();
  await deleteVolumes(client, made);
  return { createMs, exportMs, deleteMs: performance.now() - t };
}

/** Forced deletes (unexport + delete) one after another, each timed; newest first. */
export async function deleteVolumes(
  client: StationClient,
  made: Made[],
  progress?: (done: number, seconds: number) => void,
): Promise<number[]> {
  const ms: number[] = [];
  const started = performance.now();
  for (const v of [...made].reverse()) {
    const t = performance.now();
    const r = await client.call('volume/delete', { id: v.id, force: true, confirm: v.name });
    if (!r.deleted) throw new Error(`volume/delete of ${v.name} deleted nothing`);
    ms.push(performance.now() - t);
    if (progress && ms.length % 200 === 0)
      progress(ms.length, (performance.now() - started) / 1000);
  }
  made.length = 0;
  return ms;
}

/** Median of a few calls of one StationApi method, in ms. */
export async function timeCall(fn: () => Promise<unknown>, times = 3): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
}
