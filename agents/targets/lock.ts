import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { findTool } from '../inventory/tools.js';
import { ConfigfsError, LockTimeoutError } from './errors.js';

/** Serializes changes to the kernel target between dvsan and anything else that configures it. */
export interface TargetLock {
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

/** The lock file targetcli takes (targetcli-fb's `lock_file`); it is never deleted. */
export const targetcliLockPath = '/var/run/targetcli.lock';

export interface FlockLockOptions {
  path?: string;
  /** How long to wait for another holder, e.g. an interactive targetcli session (default 30 s). */
  timeoutMs?: number;
  /** The util-linux flock(1) binary; looked up on PATH and in sbin when absent. */
  flockPath?: string;
}

/** Exit code we ask flock(1) to use when the wait runs out (sysexits EX_TEMPFAIL). */
const conflictExit = 75;

/** One promise chain per lock file, so callers in this process queue instead of each forking. */
const inProcess = new Map<string, Promise<void>>();

/**
 * The lock targetcli holds while it changes LIO: `flock(LOCK_EX)` on /var/run/targetcli.lock.
 *
 * Why flock and not an exclusive-create lock file with a PID in it: targetcli opens the file
 * with 'w+' (creating it if needed, never deleting it) and calls flock(2). The file is therefore
 * almost always present and empty, so an O_EXCL lock at that path would either never be taken
 * or, treating the empty file as stale and deleting it, break targetcli's own exclusion. A
 * lock at a private path would not exclude targetcli at all. Only flock on the same file does.
 *
 * Node has no flock(2), so we open the file and hand the descriptor to util-linux flock(1) as
 * fd 3. flock locks belong to the open file description, which our descriptor shares: when the
 * child exits the lock stays ours until we close the descriptor. The kernel drops it when we
 * exit or crash, so there is no stale lock to detect (the case a PID check approximates).
 *
 * Limits: needs flock(1) (util-linux, essential on Debian; busybox's lacks --wait); rtslib
 * itself takes no lock, so `targetctl restore` at boot is not excluded (by targetcli neither).
 */
export class FlockLock implements TargetLock {
  readonly path: string;
  private readonly timeoutMs: number;
  private readonly flockPath: string | undefined;

  constructor(options: FlockLockOptions = {}) {
    this.path = options.path ?? targetcliLockPath;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.flockPath = options.flockPath;
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** Takes the lock; the returned function gives it back. */
  async acquire(): Promise<() => Promise<void>> {
    const deadline = Date.now() + this.timeoutMs;
    const before = inProcess.get(this.path) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const chain = before.then(() => mine);
    inProcess.set(this.path, chain);
    // Let the map forget a finished chain, so it does not grow without bound.
    void chain.then(() => {
      if (inProcess.get(this.path) === chain) inProcess.delete(this.path);
    });
    try {
      await waitUntil(before, deadline, () => this.timeout('another dvsan operation'));
      const handle = await open(this.path, 'a', 0o644).catch((err: unknown) => {
        throw new ConfigfsError(`cannot open lock file ${this.path}: ${describe(err)}`);
      });
      try {
        await this.flock(handle.fd, deadline);
      } catch (err) {
        await handle.close();
        throw err;
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        try {
          await handle.close();
        } finally {
          done();
        }
      };
    } catch (err) {
      done();
      throw err;
    }
  }

  private async flock(fd: number, deadline: number): Promise<void> {
    const bin = this.flockPath ?? (await findTool('flock', process.env.PATH));
    if (!bin)
      throw new ConfigfsError(
        "flock(1) from util-linux is needed to share targetcli's lock and was not found",
      );
    const seconds = Math.max(0, deadline - Date.now()) / 1000;
    const args = [
      '--exclusive',
      '--wait',
      seconds.toFixed(3),
      '--conflict-exit-code',
      String(conflictExit),
      '3',
    ];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
        let text = '';
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          if (text.length < 2000) text += chunk;
        });
        child.on('error', reject);
        child.on('close', (exit) => resolve({ code: exit, stderr: text }));
      },
    );
    if (code === 0) return;
    if (code === conflictExit) throw this.timeout('another program (targetcli?)');
    throw new ConfigfsError(
      `flock on ${this.path} failed (exit ${code}): ${stderr.trim().slice(0, 200)}`,
    );
  }

  private timeout(holder: string): LockTimeoutError {
    return new LockTimeoutError(
      `${holder} held ${this.path} for more than ${Math.round(this.timeoutMs / 1000)} s; try again later`,
      { lockFile: this.path },
    );
  }
}

async function waitUntil(
  promise: Promise<void>,
  deadline: number,
  onTimeout: () => Error,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code ?? (err instanceof Error ? err.message : String(err));
}
