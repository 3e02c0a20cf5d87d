import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { chooseSupervisor, configureAgent } from '../../../../agents/daemon/configure.js';
import { daemonPaths } from '../../../../agents/daemon/paths.js';
import {
  execWord,
  renderUnit,
  type CommandResult,
  type CommandRunner,
} from '../../../../agents/daemon/systemd.js';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('renderUnit', () => {
  it('runs the bundle as a daemon, restarting it, after the network is up', () => {
    expect(
      renderUnit({
        execPath: '/usr/bin/node',
        bundle: '/opt/dvsan/agent/0.1.0/dvsan-agent.cjs',
        env: {},
      }),
    ).toBe(
      '# Written by dvsan-agent (agent.configure); rewritten when the agent is reconfigured.\n' +
        '[Unit]\n' +
        'Description=dvsan announce daemon\n' +
        'Wants=network-online.target\n' +
        'After=network-online.target\n' +
        '\n' +
        '[Service]\n' +
        'Type=simple\n' +
        'ExecStart=/usr/bin/node /opt/dvsan/agent/0.1.0/dvsan-agent.cjs daemon\n' +
        'Restart=always\n' +
        'RestartSec=2\n' +
        '\n' +
        '[Install]\n' +
        'WantedBy=multi-user.target\n',
    );
  });

  it('passes the state and run dirs on, and quotes what systemd would read otherwise', () => {
    const unit = renderUnit({
      execPath: '/opt/node 20/bin/node',
      bundle: '/srv/100%/$HOME/dvsan-agent.cjs',
      env: { DVSAN_STATE_DIR: '/srv/state "x"', DVSAN_RUN_DIR: '/run/d', HOME: '/root' },
    });
    expect(unit).toContain('Environment="DVSAN_STATE_DIR=/srv/state \\"x\\""\n');
    expect(unit).toContain('Environment="DVSAN_RUN_DIR=/run/d"\n');
    expect(unit).not.toContain('HOME=');
    expect(unit).toContain(
      'ExecStart="/opt/node 20/bin/node" /srv/100%%/$$HOME/dvsan-agent.cjs daemon\n',
    );
    expect(execWord('a\\b')).toBe('"a\\\\b"');
    expect(() => execWord('a\nExecStartPre=/bin/evil')).toThrow();
  });
});

/** A systemctl stand-in: records argv, answers is-active and show from `state`. */
function fakeSystemctl() {
  const state = { active: false, mainPid: 0 };
  const calls: string[][] = [];
  const runner: CommandRunner = async (file, args): Promise<CommandResult> => {
    calls.push([path.basename(file), ...args]);
    const ok = { code: 0, stdout: '', stderr: '' };
    if (args[0] === 'is-active') return state.active ? ok : { ...ok, code: 3 };
    if (args[0] === 'show') return { ...ok, stdout: `${state.mainPid}\n` };
    if (args[0] === 'enable' || args[0] === 'restart') {
      state.active = true;
      state.mainPid += 100;
    }
    return ok;
  };
  return { state, calls, runner };
}

describe('configureAgent under systemd', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let unitDir: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-systemd-'));
    roots.push(root);
    const bin = path.join(root, 'bin');
    unitDir = path.join(root, 'units');
    await mkdir(bin);
    await mkdir(unitDir);
    // Found on PATH, never run: the runner stands in for it.
    await writeFile(path.join(bin, 'systemctl'), '#!/bin/sh\nexit 99\n');
    await chmod(path.join(bin, 'systemctl'), 0o755);
    env = {
      DVSAN_STATE_DIR: path.join(root, 'state'),
      DVSAN_RUN_DIR: path.join(root, 'run'),
      PATH: bin,
    };
    await mkdir(env.DVSAN_STATE_DIR!);
    await writeFile(path.join(env.DVSAN_STATE_DIR!, 'supervisor'), 'systemd\n');
  });

  const settings = {
    nodeId: 'unit-01',
    stationAddress: '192.0.2.1',
    stationPort: 7301,
    key: '1'.repeat(64),
    heartbeatSeconds: 5,
  };

  it('installs the unit, enables it, then restarts only for changes', async () => {
    const systemctl = fakeSystemctl();
    const options = {
      env,
      selfPath: '/opt/dvsan/agent/1/dvsan-agent.cjs',
      execPath: '/usr/bin/node',
      runner: systemctl.runner,
      unitDir,
    };

    expect(await configureAgent(settings, options)).toEqual({
      supervisor: 'systemd',
      pid: 100,
      restarted: true,
    });
    expect(systemctl.calls).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'is-active', '--quiet', 'dvsan-agent'],
      ['systemctl', 'enable', '--now', 'dvsan-agent'],
      ['systemctl', 'show', '--property', 'MainPID', '--value', 'dvsan-agent'],
    ]);
    const unitFile = path.join(unitDir, 'dvsan-agent.service');
    expect(await readFile(unitFile, 'utf8')).toBe(
      renderUnit({ execPath: '/usr/bin/node', bundle: options.selfPath, env }),
    );
    expect((await stat(unitFile)).mode & 0o777).toBe(0o644);
    const configFile = daemonPaths(env).configFile;
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual(settings);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);

    systemctl.calls.length = 0;
    expect(await configureAgent(settings, options)).toEqual({
      supervisor: 'systemd',
      pid: 100,
      restarted: false,
    });
    expect(systemctl.calls.map((c) => c[1])).toEqual(['is-active', 'show']);

    systemctl.calls.length = 0;
    const rekeyed = await configureAgent({ ...settings, key: '2'.repeat(64) }, options);
    expect(rekeyed).toEqual({ supervisor: 'systemd', pid: 200, restarted: true });
    expect(systemctl.calls.map((c) => c.slice(1))).toEqual([
      ['is-active', '--quiet', 'dvsan-agent'],
      ['restart', 'dvsan-agent'],
      ['show', '--property', 'MainPID', '--value', 'dvsan-agent'],
    ]);

    // A new agent version lives at a new path: the unit changes, systemd reloads and restarts.
    systemctl.calls.length = 0;
    const upgraded = { ...options, selfPath: '/opt/dvsan/agent/2/dvsan-agent.cjs' };
    expect(await configureAgent({ ...settings, key: '2'.repeat(64) }, upgraded)).toMatchObject({
      restarted: true,
    });
    expect(systemctl.calls.map((c) => c[1])).toEqual([
      'daemon-reload',
      'is-active',
      'restart',
      'show',
    ]);
  });

  it('starts a stopped service even when nothing changed', async () => {
    const systemctl = fakeSystemctl();
    const options = {
      env,
      selfPath: '/opt/dvsan/dvsan-agent.cjs',
      execPath: '/usr/bin/node',
      runner: systemctl.runner,
      unitDir,
    };
    await configureAgent(settings, options);
    systemctl.state.active = false;
    systemctl.calls.length = 0;
    expect(await configureAgent(settings, options)).toMatchObject({ restarted: true });
    expect(systemctl.calls.map((c) => c[1])).toEqual(['is-active', 'enable', 'show']);
  });

  it('reports a failing systemctl as agent-error with its message', async () => {
    const runner: CommandRunner = async (_file, args) =>
      args[0] === 'enable'
        ? { code: 1, stdout: '', stderr: 'Unit dvsan-agent.service has a bad setting.\n' }
        : { code: args[0] === 'is-active' ? 3 : 0, stdout: '', stderr: '' };
    await expect(
      configureAgent(settings, {
        env,
        selfPath: '/opt/dvsan-agent.cjs',
        execPath: '/usr/bin/node',
        runner,
        unitDir,
      }),
    ).rejects.toMatchObject({
      code: 'agent-error',
      message: expect.stringContaining('bad setting'),
    });
  });
});

describe('chooseSupervisor', () => {
  it('follows the supervisor file, else looks for a running systemd and systemctl', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dvsan-choose-'));
    roots.push(root);
    const bin = path.join(root, 'bin');
    const booted = path.join(root, 'run-systemd-system');
    await mkdir(bin);
    await writeFile(path.join(bin, 'systemctl'), '#!/bin/sh\n');
    await chmod(path.join(bin, 'systemctl'), 0o755);
    const paths = daemonPaths({ DVSAN_STATE_DIR: root });
    const env = { PATH: bin };

    expect(await chooseSupervisor(paths, env, booted)).toBe('process');
    await mkdir(booted);
    expect(await chooseSupervisor(paths, env, booted)).toBe('systemd');
    await writeFile(paths.supervisorFile, 'process\n');
    expect(await chooseSupervisor(paths, env, booted)).toBe('process');
    await writeFile(paths.supervisorFile, 'upstart');
    await expect(chooseSupervisor(paths, env, booted)).rejects.toMatchObject({
      code: 'agent-error',
    });
  });
});
