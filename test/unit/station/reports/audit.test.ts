import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepo, auditCalls, redact } from '../../../../station/db/audit-repo.js';
import { Database } from '../../../../station/db/database.js';

let db: Database;
let repo: AuditRepo;
beforeAll(async () => {
  db = await Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-audit-')), 's.db'));
  repo = new AuditRepo(db);
});
afterAll(() => db?.close());

const all = () => repo.list({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('audit log', () => {
  it('drops secret-looking fields at any depth', () => {
    expect(
      redact({ name: 'a', auth: { kind: 'password', password: 'p' }, list: [{ chapSecret: 's' }] }),
    ).toEqual({ name: 'a', auth: { kind: 'password' }, list: [{}] });
  });

  it('records changing calls with who, where from and the outcome, and skips reads', async () => {
    const audit = auditCalls(repo, (err) => {
      throw err;
    });
    audit('node/list', {}, { user: 'local', source: 'local' }, null);
    audit('volume/get', { id: 'v1' }, { user: 'local', source: 'local' }, null);
    audit(
      'node/add',
      { name: 'u9', auth: { kind: 'password', password: 'hunter2' } },
      { user: 'local', source: 'http' },
      null,
    );
    audit(
      'volume/delete',
      { id: 'v1' },
      { user: 'alice', source: 'local' },
      { code: 'conflict', message: 'exported' },
    );
    await settle();
    const entries = await all();
    expect(entries.map((e) => [e.action, e.target, e.user, e.source, e.result])).toEqual([
      ['node/add', 'u9', 'local', 'http', 'ok'],
      ['volume/delete', 'v1', 'alice', 'local', 'failed'],
    ]);
    expect(JSON.stringify(entries)).not.toContain('hunter2');
    expect(entries[1]?.details).toEqual({ params: { id: 'v1' }, error: 'conflict' });
  });

  it('lists a period only, in pages', async () => {
    for (const at of ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'])
      await repo.record({
        at,
        user: 'u',
        action: 'x/y',
        target: null,
        source: 'local',
        result: 'ok',
        details: null,
      });
    const period = { from: '2026-01-01T12:00:00Z', to: '2026-01-03T00:00:00Z' };
    expect((await repo.list(period)).map((e) => e.at)).toEqual(['2026-01-02T00:00:00Z']);
    const first = await repo.list(
      { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
      0,
      1,
    );
    const next = await repo.list(
      { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
      first[0]?.id,
      1,
    );
    expect([first[0]?.at, next[0]?.at]).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
  });
});
