import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Tgtadm,
  TgtadmError,
  redactArgs,
  resolveControlPort,
} from '../../../../../agents/targets/tgt/index.js';
import { FakeTgtd } from './fake-tgtd.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-tgtadm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('control port', () => {
  it('comes from the environment, else the lab file, else 0', async () => {
    const file = path.join(dir, 'dvsan-control-port');
    expect(await resolveControlPort({}, file)).toBe(0);
    await writeFile(file, '7\n');
    expect(await resolveControlPort({}, file)).toBe(7);
    expect(await resolveControlPort({ DVSAN_TGT_CONTROL_PORT: '12' }, file)).toBe(12);
    expect(await resolveControlPort({ DVSAN_TGT_CONTROL_PORT: '' }, file)).toBe(7);
  });

  it('refuses a malformed value instead of guessing another tgtd', async () => {
    await expect(resolveControlPort({ DVSAN_TGT_CONTROL_PORT: 'x' })).rejects.toMatchObject({
      code: 'invalid-params',
    });
    await expect(resolveControlPort({ DVSAN_TGT_CONTROL_PORT: '70000' })).rejects.toThrow(
      /0 to 65535/,
    );
  });
});

describe('tgtadm commands', () => {
  it('runs argv arrays with the driver and control port first', async () => {
    const fake = new FakeTgtd();
    const files: string[] = [];
    const tgtadm = new Tgtadm({
      controlPort: 5,
      tgtadmPath: '/usr/sbin/tgtadm',
      run: (file, args) => {
        files.push(file);
        return fake.run(file, args);
      },
    });
    await tgtadm.exec([
      '--op',
      'new',
      '--mode',
      'target',
      '--tid',
      '1',
      '-T',
      'iqn.2026-11.io.dvsan:a; reboot',
    ]);
    expect(files).toEqual(['/usr/sbin/tgtadm']);
    expect(fake.calls).toEqual([
      [
        '--lld',
        'iscsi',
        '-C',
        '5',
        '--op',
        'new',
        '--mode',
        'target',
        '--tid',
        '1',
        '-T',
        'iqn.2026-11.io.dvsan:a; reboot',
      ],
    ]);
  });

  it('masks passwords in logged and reported command lines', async () => {
    expect(
      redactArgs(['--user', 'u', '--password', 'Secret1234abcd', '--password=Other1234abcd']),
    ).toEqual(['--user', 'u', '--password', '***', '--password=***']);
    const logged: unknown[] = [];
    const fake = new FakeTgtd();
    fake.accounts.set('u1', 'x');
    const tgtadm = new Tgtadm({
      controlPort: 0,
      tgtadmPath: '/usr/sbin/tgtadm',
      run: fake.run,
      log: (_level, msg, fields) => logged.push({ msg, ...fields }),
    });
    const err = await tgtadm
      .exec(['--op', 'new', '--mode', 'account', '--user', 'u1', '--password', 'Secret1234abcd'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TgtadmError);
    const e = err as TgtadmError;
    expect(e.code).toBe('agent-error');
    expect(e.message).toContain(
      '--password *** failed (exit 22): tgtadm: this account already exists',
    );
    const everything = JSON.stringify([e.message, e.details, logged]);
    expect(everything).not.toContain('Secret1234abcd');
    expect(logged).toHaveLength(1);
  });

  it('says so when tgtd is not running on the port', async () => {
    const fake = new FakeTgtd();
    fake.running = false;
    const tgtadm = new Tgtadm({ controlPort: 9, tgtadmPath: '/usr/sbin/tgtadm', run: fake.run });
    await expect(tgtadm.exec(['--op', 'show', '--mode', 'target'])).rejects.toThrow(
      /exit 107.*tgtd is not running on control port 9/,
    );
  });
});
