import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { DvsanError } from '../../protocol/errors.js';
import type { DaemonPaths } from './paths.js';
import { daemonProcess, readPidFile } from './pid-file.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 50 ms for up to `ms`; true as soon as it holds. */
async function waitFor(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Stops one of our daemons: SIGTERM (it sends its shutdown announce, bounded to 1 s), then
 * SIGKILL if it is still there after `termMs`. The caller has checked the pid is ours.
 */
export async function stopDaemon(pid: number, termMs = 3000, killMs = 2000): Promise<void> {
  const gone = async () => (await daemonProcess(pid)) === null;
  signal(pid, 'SIGTERM');
  if (await waitFor(gone, termMs)) return;
  signal(pid, 'SIGKILL');
  if (await waitFor(gone, killMs)) return;
  throw new DvsanError('agent-error', `announce daemon pid ${pid} survived SIGKILL`);
}

/** The last lines of the daemon log, to say why a daemon died at start. */
async function logTail(file: string, offset: number): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).slice(offset);
    return text.trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

export interface StartOptions {
  paths: DaemonPaths;
  execPath: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
  /** How long the new daemon may take to write its pid file. */
  startMs?: number;
}

/**
 * Starts `<node> <bundle> daemon` as a process of its own: a new session (no hangup when the
 * SSH session ends), cwd /, output appended to the run dir's log, nothing tying it to this
 * RPC process. Resolves with its pid once the daemon has claimed the pid file.
 */
export async function startDaemon(options: StartOptions): Promise<number> {
  const { paths } = options;
  await mkdir(paths.runDir, { recursive: true, mode: 0o755 });
  const log = await open(paths.logFile, 'a', 0o640);
  const logStart = (await log.stat()).size;
  let exited: string | null = null;
  let child: ChildProcess;
  try {
    child = spawn(options.execPath, [options.bundle, 'daemon'], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      cwd: '/',
      env: options.env,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    await log.close();
  }
  const spawned = child;
  spawned.on('error', (err) => (exited = `could not start: ${err.message}`));
  spawned.on(
    'exit',
    (code, sig) => (exited = sig ? `killed by ${sig}` : `exited with code ${code}`),
  );
  spawned.unref();

  const started = await waitFor(
    async () => exited !== null || (await readPidFile(paths.pidFile)) === spawned.pid,
    // Generous: a Node start in a qemu guest without KVM (the lab's VM tier) takes seconds.
    options.startMs ?? 15_000,
  );
  if (exited !== null || !started || spawned.pid === undefined) {
    if (spawned.pid !== undefined && exited === null) signal(spawned.pid, 'SIGKILL');
    const why = exited ?? 'did not write its pid file in time';
    const tail = await logTail(paths.logFile, logStart);
    throw new DvsanError('agent-error', `announce daemon ${why}${tail ? `: ${tail}` : ''}`, {
      log: paths.logFile,
    });
  }
  return spawned.pid;
}
