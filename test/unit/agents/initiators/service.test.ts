// attach/detach/list over a fake backend and a scripted runner: idempotency, conflicts, undo.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  InitiatorBackend,
  LoginSpec,
  SessionRef,
} from '../../../../agents/initiators/index.js';
import { InitiatorService } from '../../../../agents/initiators/index.js';
import { DvsanError } from '../../../../protocol/errors.js';
import { attachParamsSchema } from '../../../../protocol/initiators.js';
import { fakeRun, type Rule } from './fake-iscsiadm.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dvsan-initiator-service-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

class FakeBackend implements InitiatorBackend {
  kind: InitiatorBackend['kind'] = 'userspace';
  readonly mutualChap = false;
  logins: LoginSpec[] = [];
  logouts: [SessionRef, boolean][] = [];
  health = async (): Promise<string | null> => null;
  afterMount = async (): Promise<void> => undefined;
  async login(spec: LoginSpec) {
    this.logins.push(spec);
    return { device: '/dev/loop7', sizeBytes: 1 << 30, pid: 4242, mutualChap: false };
  }
  async logout(ref: SessionRef, force: boolean) {
    this.logouts.push([ref, force]);
    return [];
  }
}

function setup(rules: Rule[] = []) {
  const backend = new FakeBackend();
  const fake = fakeRun(rules);
  const service = new InitiatorService({
    paths: {
      recordDir: path.join(dir, 'state'),
      runDir: path.join(dir, 'run'),
      lockFile: path.join(dir, 'lock'),
      initiatorNameFile: path.join(dir, 'initiatorname.iscsi'),
      unitDir: path.join(dir, 'units'),
    },
    run: fake.run,
    backend: async () => ({ backend, missing: null }),
    supervisor: async () => 'process',
    withLock: (fn) => fn(),
    hostname: () => 'h1',
  });
  return { service, backend, calls: fake.calls };
}

const params = (extra: Record<string, unknown> = {}) =>
  attachParamsSchema.parse({
    attachmentId: 'a1',
    target: { iqn: 'iqn.2026-11.io.dvsan:u1.v', portal: { address: '10.0.0.5', port: 3260 } },
    initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
    chap: { user: 'dvsan-h1', secret: 'Kq7xPm2Rt9vW4yZa' },
    ...extra,
  });

const empty: Rule = { match: ['blkid', '-p'], answers: [{ code: 2 }] };

describe('initiator service', () => {
  it('formats an empty device, returns the same attachment again, refuses a different one', async () => {
    const { service, backend, calls } = setup([empty]);
    const mountPoint = path.join(dir, 'mnt', 'v1');
    const p = params({ filesystem: { type: 'ext4', format: 'if-empty' }, mountPoint });
    const result = await service.attach(p);
    expect(result).toEqual({
      attachmentId: 'a1',
      backend: 'userspace',
      device: '/dev/loop7',
      mountPoint,
      formatted: true,
      sizeBytes: 1 << 30,
      pid: 4242,
      mutualChap: false,
      persistent: false,
    });
    expect(calls.map((c) => c[0])).toEqual(['blkid', 'mkfs.ext4', 'mount']);
    expect(calls[2]).toEqual(['mount', '-t', 'ext4', '/dev/loop7', mountPoint]);

    expect(await service.attach({ ...p, timeoutMs: 5000 })).toEqual(result);
    expect(backend.logins).toHaveLength(1);
    const clash = await service.attach({ ...p, readOnly: true }).catch((e: unknown) => e);
    expect((clash as DvsanError).code).toBe('conflict');

    const listed = await service.list();
    expect(listed.attachments).toEqual([
      expect.objectContaining({
        attachmentId: 'a1',
        state: 'failed',
        error: `${mountPoint} is no longer mounted`,
      }),
    ]);
    expect(await service.failedAttachments()).toEqual(['a1']);
  });

  it('never formats over a signature, and undoes the login and the directory it made', async () => {
    const { service, backend, calls } = setup([
      { match: ['blkid', '-p'], answers: [{ stdout: 'TYPE=xfs\nUUID=1\n' }] },
    ]);
    const mountPoint = path.join(dir, 'mnt', 'v1');
    const err = await service
      .attach(params({ filesystem: { type: 'ext4', format: 'if-empty' }, mountPoint }))
      .catch((e: unknown) => e);
    expect((err as DvsanError).code).toBe('invalid-params');
    expect((err as DvsanError).message).toMatch(/holds xfs, not ext4/);
    expect(calls.map((c) => c[0])).toEqual(['blkid']);
    expect(backend.logouts).toEqual([
      [expect.objectContaining({ device: '/dev/loop7', pid: 4242 }), true],
    ]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses format 'never' on an empty device and formatting a read-only one", async () => {
    const { service, backend } = setup([empty]);
    const never = await service
      .attach(params({ filesystem: { type: 'ext4', format: 'never' } }))
      .catch((e: unknown) => e);
    expect((never as DvsanError).message).toMatch(/empty and format is 'never'/);
    const ro = await service
      .attach(params({ readOnly: true, filesystem: { type: 'xfs', format: 'if-empty' } }))
      .catch((e: unknown) => e);
    expect((ro as DvsanError).message).toMatch(/read-only/);
    expect(backend.logouts).toHaveLength(2);
  });

  it('checks the mount point before logging in', async () => {
    const { service, backend } = setup();
    await expect(
      service.attach(
        params({ filesystem: { type: 'ext4', format: 'if-empty' }, mountPoint: '/etc/x' }),
      ),
    ).rejects.toThrow(/system directory \/etc/);
    await expect(service.attach(params({ mountPoint: '/mnt/x' }))).rejects.toThrow(
      /mountPoint needs filesystem/,
    );
    expect(backend.logins).toEqual([]);
  });

  it('detaches a known attachment and answers false for an unknown one', async () => {
    const { service, backend } = setup();
    await service.attach(params());
    expect(await service.detach('a1', false)).toEqual({ detached: true, warnings: [] });
    expect(backend.logouts).toEqual([[expect.objectContaining({ attachmentId: 'a1' }), false]]);
    expect(await service.detach('a1', false)).toEqual({ detached: false, warnings: [] });
    expect((await service.list()).attachments).toEqual([]);
  });

  it("open-iscsi: sets the host's initiator name when unset, refuses another one", async () => {
    const { service, backend } = setup();
    backend.kind = 'open-iscsi';
    await service.attach(params());
    const file = path.join(dir, 'initiatorname.iscsi');
    expect(await readFile(file, 'utf8')).toContain('InitiatorName=iqn.2026-11.io.dvsan.host:h1\n');
    await writeFile(file, 'InitiatorName=iqn.1993-08.org.debian:01:abc\n');
    const err = await service.attach(params({ attachmentId: 'a2' })).catch((e: unknown) => e);
    expect((err as DvsanError).message).toMatch(
      /initiator name is iqn\.1993-08\.org\.debian:01:abc, not iqn\.2026-11\.io\.dvsan\.host:h1/,
    );
    expect(backend.logins).toHaveLength(1);
  });

  it('reports the host IQN, generating it when unset', async () => {
    const { service } = setup();
    expect(await service.info()).toEqual({
      backend: 'userspace',
      iqn: 'iqn.2026-11.io.dvsan.host:h1',
      mutualChap: false,
    });
  });
});
