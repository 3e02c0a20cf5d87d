import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DvsanError } from '../../../../protocol/errors.js';
import { configureAgent } from '../../../../agents/daemon/configure.js';
import {
  resolveStationAddress,
  sshClientAddress,
} from '../../../../agents/daemon/station-address.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('sshClientAddress', () => {
  it('takes the client IP from SSH_CONNECTION', () => {
    expect(sshClientAddress('192.0.2.10 51234 192.0.2.20 22')).toBe('192.0.2.10');
    expect(sshClientAddress('fd00::1 51234 fd00::2 22')).toBe('fd00::1');
    expect(sshClientAddress('::ffff:192.0.2.10 51234 ::ffff:192.0.2.20 22')).toBe('192.0.2.10');
  });

  it('gives null for a missing or malformed variable', () => {
    for (const value of [undefined, '', '192.0.2.10', 'nope 1 2 3', '192.0.2.10 1 2']) {
      expect(sshClientAddress(value)).toBeNull();
    }
  });
});

describe('resolveStationAddress', () => {
  const ssh = { SSH_CONNECTION: '198.51.100.7 40000 198.51.100.8 22' };

  it('keeps an explicit address, IP or hostname, over SSH_CONNECTION', () => {
    expect(resolveStationAddress('203.0.113.5', ssh)).toBe('203.0.113.5');
    expect(resolveStationAddress('station.lab', ssh)).toBe('station.lab');
    expect(resolveStationAddress('fe80::1%eth0', ssh)).toBe('fe80::1%eth0');
  });

  it('uses the SSH client address for null', () => {
    expect(resolveStationAddress(null, ssh)).toBe('198.51.100.7');
  });

  it('refuses null without SSH_CONNECTION, and junk addresses, as invalid-params', () => {
    for (const [given, env] of [
      [null, {}],
      [null, { SSH_CONNECTION: 'garbage' }],
      ['-rf /', ssh],
      ['a b', ssh],
    ] as const) {
      let caught: unknown;
      try {
        resolveStationAddress(given, env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DvsanError);
      expect((caught as DvsanError).code).toBe('invalid-params');
    }
    expect(() => resolveStationAddress(null, {})).toThrow(/SSH_CONNECTION.*pass it explicitly/);
  });
});

describe('configureAgent without a station address', () => {
  it('fails with invalid-params before writing or starting anything', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-state-'));
    const runDir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-run-'));
    dirs.push(stateDir, runDir);
    await writeFile(path.join(stateDir, 'supervisor'), 'process\n');
    const params = {
      nodeId: 'unit-01',
      stationAddress: null,
      stationPort: 7301,
      key: 'a'.repeat(64),
      heartbeatSeconds: 5,
    };
    const env = { DVSAN_STATE_DIR: stateDir, DVSAN_RUN_DIR: runDir };
    await expect(
      configureAgent(params, { env, selfPath: '/nonexistent/dvsan-agent.cjs' }),
    ).rejects.toMatchObject({
      code: 'invalid-params',
    });
    expect(await readdir(stateDir)).toEqual(['supervisor']);
    expect(await readdir(runDir)).toEqual([]);
  });
});
