import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../../station/db/database.js';
import { migrations } from '../../../../station/db/migrations.js';
import { type NodeRecord, NodesRepo, toView } from '../../../../station/db/nodes-repo.js';
import { unitRecord } from '../fixtures.js';

const open = () => Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-db-')), 'station.db'));

const node = (over: Partial<NodeRecord> = {}): NodeRecord =>
  unitRecord('n1', {
    name: 'u1',
    authKind: 'password',
    keyPath: null,
    secretEnc: 'v1:sealed',
    hostKeyState: 'pending',
    state: 'new',
    agentVersion: null,
    ...over,
  });

describe('Database', () => {
  it('runs in WAL mode with every migration applied', async () => {
    const db = await open();
    expect((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode).toBe(
      'wal',
    );
    expect(await db.schemaVersion()).toBe(migrations.length);
    await db.close();
  });

  it('rolls a failed transaction back', async () => {
    const db = await open();
    const repo = new NodesRepo(db);
    await expect(
      db.transaction(async () => {
        await repo.insert(node());
        throw new Error('step 2 failed');
      }),
    ).rejects.toThrow('step 2 failed');
    expect(await repo.list()).toEqual([]);
    await db.close();
  });
});

describe('NodesRepo', () => {
  it('stores, updates and removes nodes, and keeps secrets out of the view', async () => {
    const db = await open();
    const repo = new NodesRepo(db);
    await repo.insert(node());
    await expect(repo.insert(node({ id: 'n2' }))).rejects.toThrow(/UNIQUE/);
    const updated = await repo.update('n1', { hostKeyState: 'trusted', state: 'ready' });
    expect(updated).toMatchObject({
      hostKeyState: 'trusted',
      state: 'ready',
      secretEnc: 'v1:sealed',
    });
    expect(JSON.stringify(toView(updated))).not.toContain('sealed');
    expect(await repo.findByEndpoint('10.99.1.11', 22)).toBeDefined();
    expect(await repo.remove('n1')).toBe(true);
    expect(await repo.remove('n1')).toBe(false);
    await db.close();
  });
});
