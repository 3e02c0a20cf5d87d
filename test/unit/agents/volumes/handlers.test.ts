import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMethods } from '../../../../protocol/agent-rpc.js';
import { DvsanError } from '../../../../protocol/errors.js';
import { createHandlers, type HandlerOptions } from '../../../../agents/handlers.js';
import { serveRpc } from '../../../../agents/rpc/server.js';
import { FakeLvm, noLvm } from './fake-lvm.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-volume-rpc-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Handlers on a fresh data directory; the handler map is typed by the protocol. */
function unit(options: Omit<HandlerOptions, 'selfPath'> = {}) {
  count += 1;
  const dataDir = path.join(root, `unit-${count}`);
  const env = { DVSAN_DATA_DIR: dataDir, PATH: '' };
  const handlers = createHandlers(env, { selfPath: undefined, runner: noLvm, ...options });
  return { dataDir, env, handlers, volumesDir: path.join(dataDir, 'volumes') };
}

async function failure(promise: Promise<unknown>): Promise<DvsanError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DvsanError)) throw new Error(`expected a DvsanError, got ${String(err)}`);
  return err;
}

describe('volume.* handlers on the data directory', () => {
  it('create, resize, delete: the lifecycle storage.inventory sees', async () => {
    const { handlers, dataDir, volumesDir } = unit();
    const created = await handlers['volume.create']({
      id: 'vol-1',
      sizeBytes: GiB,
      preallocate: false,
    });
    expect(agentMethods['volume.create'].result.parse(created)).toEqual(created);
    expect(created).toMatchObject({
      id: 'vol-1',
      pool: `dir:${dataDir}`,
      sizeBytes: GiB,
      backing: path.join(volumesDir, 'vol-1.img'),
      exported: false,
    });
    expect(created.allocatedBytes).toBeLessThan(GiB / 1000);
    // Named pool, same id and size: the same volume.
    await expect(
      handlers['volume.create']({
        id: 'vol-1',
        sizeBytes: GiB,
        pool: `dir:${dataDir}`,
        preallocate: false,
      }),
    ).resolves.toEqual(created);

    let inventory = await handlers['storage.inventory']({});
    expect(inventory.pools.map((p) => p.id)).toEqual([`dir:${dataDir}`]);
    expect(inventory.volumes).toEqual([created]);

    const grown = await handlers['volume.resize']({ id: 'vol-1', sizeBytes: 2 * GiB });
    expect(grown.sizeBytes).toBe(2 * GiB);
    expect((await stat(created.backing)).size).toBe(2 * GiB);
    expect((await failure(handlers['volume.resize']({ id: 'vol-1', sizeBytes: GiB }))).code).toBe(
      'invalid-params',
    );
    expect((await failure(handlers['volume.resize']({ id: 'nope', sizeBytes: GiB }))).code).toBe(
      'not-found',
    );

    await expect(handlers['volume.delete']({ id: 'vol-1' })).resolves.toEqual({ deleted: true });
    await expect(handlers['volume.delete']({ id: 'vol-1' })).resolves.toEqual({ deleted: false });
    inventory = await handlers['storage.inventory']({});
    expect(inventory.volumes).toEqual([]);
    expect(await readdir(volumesDir)).toEqual([]);
  });

  it('refuses another size, too much, and pools that are not this unit’s', async () => {
    const { handlers, volumesDir } = unit();
    await handlers['volume.create']({ id: 'v', sizeBytes: MiB, preallocate: false });
    const conflict = await failure(
      handlers['volume.create']({ id: 'v', sizeBytes: 2 * MiB, preallocate: false }),
    );
    expect(conflict.code).toBe('conflict');

    const tooBig = await failure(
      handlers['volume.create']({ id: 'big', sizeBytes: 2 ** 52, preallocate: false }),
    );
    expect(tooBig.code).toBe('invalid-params');
    expect(tooBig.message).toMatch(/^not enough free space/);

    for (const pool of [
      'dir:/tmp',
      `dir:${root}`,
      'dir:relative',
      'nfs:server',
      'lvm:vg0',
      'lvm:-x',
    ]) {
      const err = await failure(
        handlers['volume.create']({ id: 'w', sizeBytes: MiB, pool, preallocate: false }),
      );
      expect(err.code, pool).toBe('invalid-params');
    }
    expect(await readdir(volumesDir)).toEqual(['v.img']);
  });

  it('serialises requests for one id: concurrent identical creates both succeed', async () => {
    const { handlers, volumesDir } = unit();
    const params = { id: 'twice', sizeBytes: 16 * MiB, preallocate: true };
    const [a, b] = await Promise.all([
      handlers['volume.create'](params),
      handlers['volume.create'](params),
    ]);
    expect(a).toEqual(b);
    expect(await readdir(volumesDir)).toEqual(['twice.img']);
  });

  it('refuses to delete an exported volume, through the export hook', async () => {
    const asked: string[] = [];
    let exported = new Set<string>();
    const { handlers } = unit({
      isExported: async (backing) => {
        asked.push(backing);
        return exported.has(backing);
      },
    });
    const volume = await handlers['volume.create']({
      id: 'shared',
      sizeBytes: MiB,
      preallocate: false,
    });
    // A volume made just now cannot be exported: the target is not asked.
    expect(asked).toEqual([]);
    exported = new Set([volume.backing]);
    // A repeated create answers for the volume that was there, and that one may be exported.
    await expect(
      handlers['volume.create']({ id: 'shared', sizeBytes: MiB, preallocate: false }),
    ).resolves.toMatchObject({ exported: true });
    expect(asked).toEqual([volume.backing]);
    const err = await failure(handlers['volume.delete']({ id: 'shared' }));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('volume shared is exported: unexport it first');
    await expect(stat(volume.backing)).resolves.toBeTruthy();
    // Results carry the flag the hook gives.
    await expect(
      handlers['volume.resize']({ id: 'shared', sizeBytes: 2 * MiB }),
    ).resolves.toMatchObject({
      exported: true,
    });
    exported = new Set();
    await expect(handlers['volume.delete']({ id: 'shared' })).resolves.toEqual({ deleted: true });
    expect(asked.every((b) => b === volume.backing)).toBe(true);
  });

  it('lists the volume methods among the capabilities', async () => {
    const { handlers } = unit();
    const hello = await handlers['agent.hello']({});
    expect(hello.capabilities).toEqual(
      expect.arrayContaining(['volume.create', 'volume.resize', 'volume.delete']),
    );
  });
});

describe('volume.* handlers on LVM', () => {
  it('creates in a VG by pool id, finds the volume by id for resize and delete', async () => {
    const lvm = new FakeLvm().addVg('vg0', 100 * GiB);
    const { handlers, dataDir } = unit({ runner: lvm.runner });
    const volume = await handlers['volume.create']({
      id: 'db',
      sizeBytes: GiB,
      pool: 'lvm:vg0',
      preallocate: false,
    });
    expect(volume).toMatchObject({ pool: 'lvm:vg0', backing: '/dev/vg0/dvsan-db', sizeBytes: GiB });

    // Ids are unique per unit: the same id in the directory pool is a conflict.
    const clash = await failure(
      handlers['volume.create']({ id: 'db', sizeBytes: GiB, preallocate: false }),
    );
    expect(clash.code).toBe('conflict');
    expect(clash.message).toBe('volume db already exists in pool lvm:vg0');

    const inventory = await handlers['storage.inventory']({});
    expect(inventory.pools.map((p) => p.id)).toEqual([`dir:${dataDir}`, 'lvm:vg0']);
    expect(inventory.volumes).toEqual([volume]);

    await expect(
      handlers['volume.resize']({ id: 'db', sizeBytes: 2 * GiB }),
    ).resolves.toMatchObject({
      sizeBytes: 2 * GiB,
    });
    await expect(handlers['volume.delete']({ id: 'db' })).resolves.toEqual({ deleted: true });
    await expect(handlers['volume.delete']({ id: 'db' })).resolves.toEqual({ deleted: false });
    expect(lvm.changes()).toEqual([
      { tool: 'lvcreate', args: ['--yes', '-n', 'dvsan-db', '-L', `${GiB}b`, 'vg0'] },
      { tool: 'lvextend', args: ['-L', `${2 * GiB}b`, 'vg0/dvsan-db'] },
      { tool: 'lvremove', args: ['-y', 'vg0/dvsan-db'] },
    ]);
  });
});

describe('volume.* over RPC', () => {
  it('refuses a path-looking id at the schema, before any handler runs', async () => {
    const { handlers, dataDir } = unit();
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: string[] = [];
    output.on('data', (chunk: Buffer) =>
      lines.push(...chunk.toString().split('\n').filter(Boolean)),
    );
    const served = serveRpc({ input, output, handlers, log: () => undefined });
    const requests = [
      { method: 'volume.create', params: { id: '../../etc/x', sizeBytes: MiB } },
      { method: 'volume.delete', params: { id: '..' } },
      { method: 'volume.resize', params: { id: 'a/b', sizeBytes: MiB } },
    ];
    for (const [i, r] of requests.entries()) {
      input.write(JSON.stringify({ jsonrpc: '2.0', id: i, ...r }) + '\n');
    }
    input.end();
    await served;
    const answers = lines.map((l) => JSON.parse(l) as { error?: { data?: { code: string } } });
    expect(answers).toHaveLength(3);
    for (const answer of answers) expect(answer.error?.data?.code).toBe('invalid-params');
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });
});
