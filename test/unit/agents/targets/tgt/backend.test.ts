import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSpec } from '../../../../../agents/targets/index.js';
import { TgtBackend, parseConfig } from '../../../../../agents/targets/tgt/index.js';
import { FakeTgtd } from './fake-tgtd.js';

const h1 = 'iqn.2026-01.dev.host:h1';
const h2 = 'iqn.2026-01.dev.host:h2';
const chap1 = {
  user: 'dvsan-h1',
  secret: 'Secret1111aaaa',
  mutualUser: 'dvsan-t-h1',
  mutualSecret: 'Mutual1111aaaa',
};
const chap2 = { user: 'dvsan-h2', secret: 'Secret2222bbbb' };
const secrets = ['Secret1111aaaa', 'Mutual1111aaaa', 'Secret2222bbbb', 'Rotated111aaaa'];

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tgt-backend-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function unit() {
  count += 1;
  const dir = path.join(root, `u${count}`);
  const volumes = path.join(dir, 'data', 'volumes');
  await mkdir(volumes, { recursive: true });
  for (const v of ['vol-a', 'vol-b']) {
    await writeFile(path.join(volumes, `${v}.img`), '');
    await truncate(path.join(volumes, `${v}.img`), 4 << 20);
  }
  const fake = new FakeTgtd();
  const logs: unknown[] = [];
  const configPath = path.join(dir, 'etc-tgt', 'conf.d', 'dvsan.conf');
  const backend = new TgtBackend({
    backing: { fileDirs: [volumes], blockDirs: [] },
    tgtadm: { controlPort: 3, tgtadmPath: '/usr/sbin/tgtadm', run: fake.run },
    configPath,
    runDir: path.join(dir, 'run'),
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
  });
  const spec = (volume: string, acls: ExportSpec['acls']): ExportSpec => ({
    iqn: `iqn.2026-11.io.dvsan:u1.${volume}`,
    backing: { kind: 'file', path: path.join(volumes, `${volume}.img`), sizeBytes: 4 << 20 },
    portal: { address: '10.99.7.11', port: 3260 },
    acls,
  });
  const records = async () => parseConfig(await readFile(configPath, 'utf8'));
  return { fake, backend, spec, logs, configPath, records, volumes };
}

describe('TgtBackend against a fake tgtd', () => {
  it('exports a volume, then a second ensure changes nothing and leaves the file alone', async () => {
    const { fake, backend, spec, configPath, records } = await unit();
    const s = spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]);
    await backend.ensureExport(s);
    const target = fake.targets.get(1);
    expect(target).toMatchObject({
      iqn: s.iqn,
      names: [h1],
      addresses: [],
      incoming: ['dvsan-h1'],
      outgoing: 'dvsan-t-h1',
    });
    expect([...(target?.luns ?? [])]).toEqual([[1, s.backing.path]]);
    expect(fake.accounts).toEqual(
      new Map([
        ['dvsan-h1', 'Secret1111aaaa'],
        ['dvsan-t-h1', 'Mutual1111aaaa'],
      ]),
    );
    expect(await records()).toEqual([{ iqn: s.iqn, backing: s.backing.path, acls: s.acls }]);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);

    const written = (await stat(configPath)).mtimeMs;
    const before = fake.changes().length;
    await backend.ensureExport(s);
    expect(fake.changes().length).toBe(before);
    expect((await stat(configPath)).mtimeMs).toBe(written);
  });

  it("lists exports with each ACL's CHAP user and whether mutual CHAP is set", async () => {
    const { backend, spec } = await unit();
    await backend.ensureExport(
      spec('vol-a', [
        { initiatorIqn: h1, chap: chap1 },
        { initiatorIqn: h2, chap: chap2 },
      ]),
    );
    const [info] = await backend.listTargets();
    expect(info).toMatchObject({
      iqn: 'iqn.2026-11.io.dvsan:u1.vol-a',
      enabled: true,
      luns: [{ index: 1, backing: { kind: 'file', sizeBytes: 4 << 20 } }],
      acls: [
        { initiatorIqn: h1, chapUser: 'dvsan-h1', mutual: true, mappedLuns: [1] },
        { initiatorIqn: h2, chapUser: 'dvsan-h2', mutual: false, mappedLuns: [1] },
      ],
      portals: [
        { address: '::', port: 3260 },
        { address: '0.0.0.0', port: 3260 },
      ],
    });
  });

  it('converges the ACL set exactly and drops accounts nobody uses', async () => {
    const { fake, backend, spec, records } = await unit();
    await backend.ensureExport(
      spec('vol-a', [
        { initiatorIqn: h1, chap: chap1 },
        { initiatorIqn: h2, chap: chap2 },
      ]),
    );
    fake.targets.get(1)?.addresses.push('ALL');
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h2, chap: chap2 }]));
    expect(fake.targets.get(1)).toMatchObject({
      names: [h2],
      addresses: [],
      incoming: ['dvsan-h2'],
      outgoing: null,
    });
    expect([...fake.accounts.keys()]).toEqual(['dvsan-h2']);
    expect((await records())[0]?.acls).toEqual([{ initiatorIqn: h2, chap: chap2 }]);
  });

  it("gives two exports their own targets, sharing a host's account", async () => {
    const { fake, backend, spec } = await unit();
    await Promise.all([
      backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }])),
      backend.ensureExport(spec('vol-b', [{ initiatorIqn: h1, chap: chap1 }])),
    ]);
    expect([...fake.targets.values()].map((t) => [t.tid, t.incoming, t.outgoing])).toEqual([
      [1, ['dvsan-h1'], 'dvsan-t-h1'],
      [2, ['dvsan-h1'], 'dvsan-t-h1'],
    ]);
    await backend.removeExport('iqn.2026-11.io.dvsan:u1.vol-a');
    expect([...fake.accounts.keys()]).toEqual(['dvsan-h1', 'dvsan-t-h1']);
    await backend.removeExport('iqn.2026-11.io.dvsan:u1.vol-b');
    expect(fake.accounts.size).toBe(0);
  });

  it("refuses a second host whose mutual user clashes with another export's", async () => {
    const { fake, backend, spec, records } = await unit();
    const shared = { mutualUser: 'dvsan-target' };
    await backend.ensureExport(
      spec('vol-a', [{ initiatorIqn: h1, chap: { ...chap1, ...shared } }]),
    );
    const changes = fake.changes().length;
    await expect(
      backend.ensureExport(
        spec('vol-b', [
          { initiatorIqn: h2, chap: { ...chap2, ...shared, mutualSecret: 'Mutual2222bbbb' } },
        ]),
      ),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(fake.changes().length).toBe(changes);
    expect((await records()).map((r) => r.iqn)).toEqual(['iqn.2026-11.io.dvsan:u1.vol-a']);
  });

  it('removes idempotently, taking the record out of the file', async () => {
    const { fake, backend, spec, records } = await unit();
    const s = spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]);
    await backend.ensureExport(s);
    fake.targets.get(1)?.sessions.push(h1);
    await backend.removeExport(s.iqn);
    expect(fake.changes().at(-3)).toEqual([
      '--lld',
      'iscsi',
      '-C',
      '3',
      '--op',
      'delete',
      '--mode',
      'target',
      '--tid',
      '1',
      '--force',
    ]);
    expect(fake.targets.size).toBe(0);
    expect(fake.accounts.size).toBe(0);
    expect(await records()).toEqual([]);
    const calls = fake.changes().length;
    await backend.removeExport(s.iqn);
    expect(fake.changes().length).toBe(calls);
  });

  it('re-creates an export tgtd lost (a restart without tgt-admin), keeping the others in the file', async () => {
    const { fake, backend, spec, records } = await unit();
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    await backend.ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]));
    fake.targets.clear();
    fake.accounts.clear();
    await backend.ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]));
    expect([...fake.targets.values()].map((t) => t.iqn)).toEqual(['iqn.2026-11.io.dvsan:u1.vol-b']);
    expect((await records()).map((r) => r.iqn)).toEqual([
      'iqn.2026-11.io.dvsan:u1.vol-a',
      'iqn.2026-11.io.dvsan:u1.vol-b',
    ]);
  });

  it('after a failed step writes nothing new, and the next ensure finishes the job', async () => {
    const { fake, backend, spec, configPath } = await unit();
    fake.failOn = ['--initiator-name'];
    const s = spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]);
    await expect(backend.ensureExport(s)).rejects.toMatchObject({ code: 'agent-error' });
    await expect(stat(configPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.ensureExport(s);
    expect(fake.targets.get(1)).toMatchObject({ names: [h1], incoming: ['dvsan-h1'] });
    expect(parseConfig(await readFile(configPath, 'utf8'))).toHaveLength(1);
  });

  it('validates the spec before touching tgtd', async () => {
    const { fake, backend, spec, volumes } = await unit();
    await expect(
      backend.ensureExport({
        ...spec('vol-a', []),
        backing: { kind: 'file', path: path.join(volumes, 'nope.img'), sizeBytes: 512 },
      }),
    ).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(
      backend.ensureExport({
        ...spec('vol-a', []),
        backing: { kind: 'file', path: '/etc/passwd', sizeBytes: 512 },
      }),
    ).rejects.toThrow(/outside/);
    await expect(backend.removeExport('not an iqn')).rejects.toMatchObject({
      code: 'invalid-params',
    });
    expect(fake.calls).toEqual([]);
  });

  it('never puts a CHAP secret in a log line or an error', async () => {
    const { fake, backend, spec, logs } = await unit();
    await backend.ensureExport(
      spec('vol-a', [
        { initiatorIqn: h1, chap: chap1 },
        { initiatorIqn: h2, chap: chap2 },
      ]),
    );
    await backend.ensureExport(
      spec('vol-a', [{ initiatorIqn: h1, chap: { ...chap1, secret: 'Rotated111aaaa' } }]),
    );
    fake.failOn = ['--password'];
    const err = (await backend
      .ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]))
      .then(() => new Error('expected a failure'))
      .catch((e: unknown) => e)) as Error & { details?: unknown };
    await backend.listTargets();
    await backend.removeExport('iqn.2026-11.io.dvsan:u1.vol-a');
    expect(logs.length).toBeGreaterThan(20);
    const text = JSON.stringify([logs, err.message, err.details]);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('--password","***"');
  });
});
