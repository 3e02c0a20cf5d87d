import { Database } from '../../station/db/database.js';
import { NodesRepo, newNodeRecord } from '../../station/db/nodes-repo.js';

const gib = 2 ** 30;

/**
 * A station database with `volumes` volumes spread over 10 units, each exported to one of 100
 * hosts, plus one event, task and audit entry per ten volumes.
 */
export async function seedDatabase(file: string, volumes: number): Promise<void> {
  const db = await Database.open(file);
  const nodes = new NodesRepo(db);
  const node = (id: string, role: 'unit' | 'host', i: number) =>
    newNodeRecord({
      id,
      name: id,
      role,
      address: `10.99.${role === 'unit' ? 1 : 2}.${i + 1}`,
      port: 22,
      user: 'root',
      authKind: 'key',
      keyPath: null,
      secretEnc: null,
      hostKeyFingerprint: 'SHA256:bench',
      hostKeyState: 'trusted',
    });
  for (let u = 0; u < 10; u += 1) {
    await nodes.insert(node(`unit-${u}`, 'unit', u));
    await nodes.update(`unit-${u}`, {
      health: 'up',
      storage: {
        pools: [
          {
            id: 'data',
            kind: 'directory',
            path: '/d',
            totalBytes: 4096 * gib,
            freeBytes: 1024 * gib,
          },
        ],
        volumes: [],
      },
      storageAt: new Date().toISOString(),
    });
  }
  for (let h = 0; h < 100; h += 1) await nodes.insert(node(`host-${h}`, 'host', h));
  const at = (i: number) => new Date(Date.now() - (volumes - i) * 1000).toISOString();
  await db.transaction(async () => {
    for (let i = 0; i < volumes; i += 1) {
      const name = `vol-${String(i).padStart(6, '0')}`;
      await db.run(
        'INSERT INTO volumes (id, name, unit_id, pool, size_bytes, shared, iqn, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)',
        [
          `v${i}`,
          name,
          `unit-${i % 10}`,
          'data',
          (1 + (i % 64)) * gib,
          `iqn.2026-11.io.dvsan:u.${name}`,
          at(i),
        ],
      );
      await db.run(
        'INSERT INTO exports (volume_id, initiator_iqn, host_id, created_at) VALUES (?, ?, ?, ?)',
        [`v${i}`, `iqn.2026-11.io.dvsan.bench:host-${i % 100}`, `host-${i % 100}`, at(i)],
      );
      if (i % 10) continue;
      await db.run(
        "INSERT INTO events (at, severity, kind, node_id, message) VALUES (?, 'info', 'volume.created', ?, ?)",
        [at(i), `unit-${i % 10}`, `${name} created`],
      );
      await db.run(
        "INSERT INTO tasks (id, kind, targets_json, state, progress, created_at, updated_at) VALUES (?, 'volume.create', ?, 'succeeded', 100, ?, ?)",
        [`t${i}`, JSON.stringify([`v${i}`]), at(i), at(i)],
      );
      await db.run(
        "INSERT INTO audit (at, user, action, target, source, result) VALUES (?, 'local', 'volume/create', ?, 'local', 'ok')",
        [at(i), name],
      );
    }
  });
  await db.close();
}
