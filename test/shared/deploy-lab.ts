// Adds lab nodes to a station through the StationApi, deploys their agents and waits until
// every one announces itself up (and each unit's storage is in the pool): the common start of
// lab and browser tests.
import { expect, vi } from 'vitest';
import type { StationClient } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import type { LabState } from '../../station/lab/index.js';

/** Returns node ids by name. `names` picks some of the lab's nodes; default all of them. */
export async function deployLab(
  client: StationClient,
  lab: LabState,
  names: string[] = lab.nodes.map((n) => n.name),
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const n = lab.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`the lab has no node ${name}`);
    ids[name] = (
      await client.call('node/add', {
        name,
        role: n.role,
        address: n.address,
        auth: { kind: 'key', keyPath: lab.keyPath },
        acceptFingerprint: n.hostKeyFingerprint,
      })
    ).id;
  }
  const { taskId } = await client.call('node/deploy', { ids: Object.values(ids) });
  const task = await waitForTask(client, taskId, () => undefined, 120_000);
  expect(task.error?.message ?? null).toBeNull();
  const units = names.filter((name) => lab.nodes.find((n) => n.name === name)?.role === 'unit');
  await vi.waitFor(
    async () => {
      const nodes = await client.call('node/list', {});
      for (const name of names) expect(nodes.find((n) => n.name === name)?.health).toBe('up');
      const pool = await client.call('pool/get', {});
      for (const name of units)
        expect(pool.units.find((u) => u.name === name)?.pools.length ?? 0).toBeGreaterThan(0);
    },
    { timeout: 30_000, interval: 250 },
  );
  return ids;
}
