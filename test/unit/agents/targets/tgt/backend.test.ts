import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSpec } from '../../../../../agents/targets/index.js';
import {
  TgtBackend,
  TgtConfigDir,
  parseConfig,
  renderConfig,
} from '../../../../../agents/targets/tgt/index.js';
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

/** A unit; `instance` stands for tgtd's identity (null: cannot be told). */
async function unit(instance: () => string | null = () => 'tgtd-1') {
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
  const configDir = path.join(dir, 'etc-tgt', 'conf.d');
  const conf = new TgtConfigDir(configDir);
  // Another agent process for the same tgtd: its own backend, the same files.
  const agent = () =>
    new TgtBackend({
      backing: { fileDirs: [volumes], blockDirs: [] },
      tgtadm: { controlPort: 3, tgtadmPath: '/usr/sbin/tgtadm', run: fake.run },
      configDir,
      runDir: path.join(dir, 'run'),
      instance: async () => instance(),
      log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    });
  const backend = agent();
  const spec = (volume: string, acls: ExportSpec['acls']): ExportSpec => ({
    iqn: `iqn.2026-11.io.dvsan:u1.${volume}`,
    backing: { kind: 'file', path: path.join(volumes, `${volume}.img`), sizeBytes: 4 << 20 },
    portal: { address: '10.99.7.11', port: 3260 },
    acls,
  });
  const records = () => conf.readAll();
  const configPath = (volume: string) => conf.pathOf(spec(volume, []).iqn);
  return { fake, backend, agent, spec, logs, configDir, configPath, records, volumes };
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
    expect((await stat(configPath('vol-a'))).mode & 0o777).toBe(0o600);

    const written = (await stat(configPath('vol-a'))).mtimeMs;
    const before = fake.changes().length;
    await backend.ensureExport(s);
    expect(fake.changes().length).toBe(before);
    expect((await stat(configPath('vol-a'))).mtimeMs).toBe(written);
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

  it('re-creates an export tgtd lost (a restart without tgt-admin), keeping the others in conf.d', async () => {
    let instance = 'tgtd-1';
    const { fake, backend, spec, records } = await unit(() => instance);
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    await backend.ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]));
    fake.targets.clear();
    fake.accounts.clear();
    instance = 'tgtd-2';
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
    await expect(stat(configPath('vol-a'))).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.ensureExport(s);
    expect(fake.targets.get(1)).toMatchObject({ names: [h1], incoming: ['dvsan-h1'] });
    expect(parseConfig(await readFile(configPath('vol-a'), 'utf8'))).toHaveLength(1);
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

describe('TgtBackend keeps its view of tgtd', () => {
  const shows = (fake: FakeTgtd) => fake.calls.filter((c) => c.includes('show')).length;

  it('reads tgtd once, then creates, describes and removes exports without listing it again', async () => {
    const { fake, backend, spec, volumes } = await unit();
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    const read = shows(fake);
    expect(read).toBe(3); // target, account, portal
    for (let i = 0; i < 5; i++) {
      const name = `vol-n${i}`;
      await writeFile(path.join(volumes, `${name}.img`), '');
      await truncate(path.join(volumes, `${name}.img`), 4 << 20);
      await backend.ensureExport(spec(name, [{ initiatorIqn: h1, chap: chap1 }]));
      const info = await backend.describeTarget(spec(name, []).iqn);
      expect(info).toMatchObject({
        luns: [{ index: 1, backing: { path: path.join(volumes, `${name}.img`) } }],
        acls: [{ initiatorIqn: h1, chapUser: 'dvsan-h1', mutual: true }],
      });
    }
    expect(await backend.exportedBackings()).toContain(path.join(volumes, 'vol-n4.img'));
    await backend.removeExport(spec('vol-n0', []).iqn);
    expect(await backend.describeTarget(spec('vol-n0', []).iqn)).toBeNull();
    expect(shows(fake)).toBe(read);
    // What it kept is what tgtd has: a full listing (which reads tgtd) agrees with it.
    const kept = await backend.describeTarget(spec('vol-n3', []).iqn);
    const listed = await backend.listTargets();
    expect(shows(fake)).toBe(read + 3);
    expect(listed.map((t) => t.iqn)).toEqual(
      ['vol-a', 'vol-n1', 'vol-n2', 'vol-n3', 'vol-n4'].map((v) => spec(v, []).iqn),
    );
    expect(listed.find((t) => t.iqn === kept?.iqn)).toEqual(kept);
  });

  it('reads tgtd again after another agent process changed it', async () => {
    const { fake, backend, agent, spec, volumes } = await unit();
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    const other = agent();
    await other.ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]));
    expect(await backend.exportedBackings()).toEqual(
      new Set([path.join(volumes, 'vol-a.img'), path.join(volumes, 'vol-b.img')]),
    );
    await backend.removeExport(spec('vol-b', []).iqn);
    expect(await other.describeTarget(spec('vol-b', []).iqn)).toBeNull();
    expect([...fake.accounts.keys()]).toEqual(['dvsan-h1', 'dvsan-t-h1']);
  });

  it('when a step fails against what it kept, reads tgtd and plans once more', async () => {
    const { fake, backend, spec, records } = await unit();
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    // Someone takes tid 2 behind dvsan's back, with tgtadm itself.
    await fake.run('tgtadm', [
      '--op',
      'new',
      '--mode',
      'target',
      '--tid',
      '2',
      '-T',
      'iqn.2026-01.x:y',
    ]);
    await backend.ensureExport(spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]));
    expect(fake.targets.get(3)).toMatchObject({ iqn: spec('vol-b', []).iqn, names: [h2] });
    expect((await records()).map((r) => r.iqn)).toEqual([
      spec('vol-a', []).iqn,
      spec('vol-b', []).iqn,
    ]);
  });

  it('looks in tgtd itself before calling the remove of an unknown target done', async () => {
    const { fake, backend, spec } = await unit();
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    const byHand = spec('vol-b', []).iqn;
    await fake.run('tgtadm', ['--op', 'new', '--mode', 'target', '--tid', '7', '-T', byHand]);
    await backend.removeExport(byHand);
    expect([...fake.targets.values()].map((t) => t.iqn)).toEqual([spec('vol-a', []).iqn]);
  });

  it('without a way to tell the tgtd instance, reads tgtd for every question', async () => {
    const { fake, backend, spec } = await unit(() => null);
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    const read = shows(fake);
    await backend.describeTarget(spec('vol-a', []).iqn);
    await backend.exportedBackings();
    expect(shows(fake)).toBe(read + 6);
  });

  it("splits an earlier agent's dvsan.conf on its first change, losing no export", async () => {
    const { backend, spec, configDir, records } = await unit();
    const old = spec('vol-b', [{ initiatorIqn: h2, chap: chap2 }]);
    await mkdir(configDir, { recursive: true });
    await writeFile(
      path.join(configDir, 'dvsan.conf'),
      renderConfig([{ iqn: old.iqn, backing: old.backing.path, acls: old.acls }]),
    );
    await backend.ensureExport(spec('vol-a', [{ initiatorIqn: h1, chap: chap1 }]));
    await expect(stat(path.join(configDir, 'dvsan.conf'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect((await records()).map((r) => r.iqn).sort()).toEqual([spec('vol-a', []).iqn, old.iqn]);
  });
});
