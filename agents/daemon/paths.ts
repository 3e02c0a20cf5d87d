import path from 'node:path';

export const defaultStateDir = '/var/lib/dvsan';
export const defaultRunDir = '/run/dvsan';

/** Where the daemon's settings, supervisor choice, pid file and log live on a node. */
export interface DaemonPaths {
  stateDir: string;
  runDir: string;
  /** The daemon's settings (agentConfigSchema), 0600: it holds the HMAC key. */
  configFile: string;
  /** Optional override of the supervisor choice: 'systemd' or 'process'. */
  supervisorFile: string;
  pidFile: string;
  /** stdout/stderr of a daemon started as a plain process. */
  logFile: string;
}

function dirFrom(value: string | undefined, fallback: string): string {
  return path.resolve(value && value !== '' ? value : fallback);
}

/** `DVSAN_STATE_DIR` and `DVSAN_RUN_DIR` move the two directories (tests, unusual layouts). */
export function daemonPaths(env: NodeJS.ProcessEnv): DaemonPaths {
  const stateDir = dirFrom(env.DVSAN_STATE_DIR, defaultStateDir);
  const runDir = dirFrom(env.DVSAN_RUN_DIR, defaultRunDir);
  return {
    stateDir,
    runDir,
    configFile: path.join(stateDir, 'agent.json'),
    supervisorFile: path.join(stateDir, 'supervisor'),
    pidFile: path.join(runDir, 'daemon.pid'),
    logFile: path.join(runDir, 'daemon.log'),
  };
}
