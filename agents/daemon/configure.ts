import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AgentConfig } from '../../protocol/announce.js';
import type { AgentResult } from '../../protocol/agent-rpc.js';
import { DvsanError } from '../../protocol/errors.js';
import { findTool } from '../inventory/tools.js';
import { readAgentConfig, sameSettings, writeAgentConfig } from './config-file.js';
import { daemonPaths, type DaemonPaths } from './paths.js';
import { runningDaemon } from './pid-file.js';
import { startDaemon, stopDaemon } from './process-supervisor.js';
import { resolveStationAddress } from './station-address.js';
import {
  configureSystemd,
  defaultUnitDir,
  execRunner,
  unitName,
  type CommandRunner,
} from './systemd.js';

export type Supervisor = AgentResult<'agent.configure'>['supervisor'];

export interface ConfigureOptions {
  env: NodeJS.ProcessEnv;
  /** The agent bundle the daemon runs (process.argv[1] of the RPC process). */
  selfPath: string | undefined;
  execPath?: string;
  runner?: CommandRunner;
  unitDir?: string;
  /** Exists when systemd is the init system (sd_booted(3) checks the same directory). */
  systemdRuntimeDir?: string;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * `<state dir>/supervisor` decides when present (the lab writes 'process': its nodes share the
 * machine's systemd); otherwise systemd when it runs and systemctl is at hand.
 */
export async function chooseSupervisor(
  paths: DaemonPaths,
  env: NodeJS.ProcessEnv,
  systemdRuntimeDir = '/run/systemd/system',
): Promise<Supervisor> {
  const chosen = await readFile(paths.supervisorFile, 'utf8').then(
    (text) => text.trim(),
    () => null,
  );
  if (chosen === 'systemd' || chosen === 'process') return chosen;
  if (chosen !== null) {
    throw new DvsanError(
      'agent-error',
      `${paths.supervisorFile} says ${JSON.stringify(chosen.slice(0, 40))}; expected systemd or process`,
    );
  }
  const systemd =
    (await exists(systemdRuntimeDir)) && (await findTool('systemctl', env.PATH)) !== null;
  return systemd ? 'systemd' : 'process';
}

/** Whether systemd runs `pid` as part of our unit (its cgroup path names the unit). */
async function inSystemdUnit(pid: number): Promise<boolean> {
  const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  return cgroup.includes(`/${unitName}.service`);
}

// One configure at a time in this process: two overlapping calls would each start a daemon.
let queue: Promise<unknown> = Promise.resolve();

/**
 * `agent.configure`: stores the settings (station address resolved now) and makes sure the
 * announce daemon runs with them. Identical settings and a live daemon running this bundle:
 * nothing changes (`restarted: false`).
 */
export function configureAgent(
  params: AgentConfig,
  options: ConfigureOptions,
): Promise<AgentResult<'agent.configure'>> {
  const run = queue.then(() => configure(params, options));
  queue = run.catch(() => undefined);
  return run;
}

async function configure(
  params: AgentConfig,
  options: ConfigureOptions,
): Promise<AgentResult<'agent.configure'>> {
  const { env } = options;
  const settings: AgentConfig = {
    ...params,
    stationAddress: resolveStationAddress(params.stationAddress, env),
  };
  if (!options.selfPath) {
    throw new DvsanError('agent-error', 'cannot tell where the agent bundle is (no argv[1])');
  }
  const bundle = path.resolve(options.selfPath);
  const execPath = options.execPath ?? process.execPath;
  const paths = daemonPaths(env);
  const supervisor = await chooseSupervisor(paths, env, options.systemdRuntimeDir);

  const previous = await readAgentConfig(paths.configFile);
  const settingsChanged = !(previous.ok && sameSettings(previous.config, settings));
  if (settingsChanged) {
    await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
    await writeAgentConfig(paths.configFile, settings);
  }

  const running = await runningDaemon(paths.pidFile);
  if (supervisor === 'process') {
    if (running && !settingsChanged && running.bundle === bundle) {
      return { supervisor, pid: running.pid, restarted: false };
    }
    if (running) await stopDaemon(running.pid);
    const pid = await startDaemon({ paths, execPath, bundle, env });
    return { supervisor, pid, restarted: true };
  }

  // A daemon left over from process supervision holds the pid file: systemd's would refuse to
  // start beside it.
  if (running && !(await inSystemdUnit(running.pid))) await stopDaemon(running.pid);
  const systemctl = await findTool('systemctl', env.PATH);
  if (!systemctl)
    throw new DvsanError('agent-error', 'supervisor is systemd but systemctl is not installed');
  const result = await configureSystemd({
    execPath,
    bundle,
    env,
    systemctl,
    runner: options.runner ?? execRunner,
    unitDir: options.unitDir ?? defaultUnitDir,
    settingsChanged,
  });
  return { supervisor, ...result };
}
