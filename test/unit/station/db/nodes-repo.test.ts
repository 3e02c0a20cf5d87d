import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../../station/db/database.js';
import { NodesRepo } from '../../../../station/db/nodes-repo.js';
import type { StorageInventory } from '../../../../protocol/index.js';
import { unitRecord } from '../fixtures.js';

const open = () => Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-nodes-')), 'station.db'));

const storage = (volumes: number): StorageInventory => ({
  pools: [{ id: 'dir:/d', kind: 'directory', path: '/d', totalBytes: 1 << 30, freeBytes: 1 << 29 }],
  volumes: Array.from({ length: volumes }, (_, i) => ({
    id: `v${i}`,
    name: `v${i}`,
    pool: 'dir:/d',
    offset: 0,
    backing: `/d/volumes/v${i}.img`,
    sizeBytes: 1 << 20,
    allocatedBytes: 0,
    exported: false,
  })),
});

describe("NodesRepo: a unit's storage JSON", () => {
  it('is parsed once per stored text, and read back as stored', async () => {
    const db = await open();
    const repo = new NodesRepo(db);
    await repo.insert(unitRecord('n1', { name: 'u1' }));
    const written = await repo.update('n1', { storage: storage(3) });
    expect(written.storage).toEqual(storage(3));
    const a = await repo.get('n1');
    const [b] = await repo.list();
    // The same text gives the same parsed object, not a new parse.
    expect(b?.storage).toBe(a?.storage);
    expect(a?.storage).toEqual(storage(3));

    // Another text (written past the repo) is parsed again; one that fails the schema is dropped.
    await db.run('UPDATE nodes SET storage_json = ? WHERE id = ?', [
      JSON.stringify(storage(5)),
      'n1',
    ]);
    expect((await repo.get('n1'))?.storage?.volumes).toHaveLength(5);
    await db.run('UPDATE nodes SET storage_json = ? WHERE id = ?', ['{"pools":7}', 'n1']);
    expect((await repo.get('n1'))?.storage).toBeNull();
    await db.run('UPDATE nodes SET storage_json = NULL WHERE id = ?', ['n1']);
    expect((await repo.get('n1'))?.storage).toBeNull();
    await db.close();
  });
});
