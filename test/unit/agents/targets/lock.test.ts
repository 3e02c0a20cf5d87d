import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FlockLock,
  LockTimeoutError,
  targetcliLockPath,
} from '../../../../agents/targets/index.js';

let dir: string;
let lockFile: string;
const holders: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-lock-'));
  lockFile = path.join(dir, 'targetcli.lock');
});
afterEach(async () => {
  for (const child of holders.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Whether another flock(2) user could take the lock right now (flock -n exits 1 when not). */
function lockIsFree(): boolean {
  return spawnSync('flock', ['--nonblock', lockFile, 'true']).status === 0;
}

/**
 * Another program holding the lock: `flock --no-fork <file> cat` keeps it while cat runs; the
 * echo of a byte written to cat proves cat (and so the lock) is up.
 */
async function externalHolder(): Promise<ChildProcess> {
  const child = spawn('flock', ['--exclusive', '--no-fork', lockFile, 'cat'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  holders.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    child.stdin!.write('x\n');
  });
  return child;
}

const settled = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

describe('FlockLock', () => {
  it('uses the file targetcli locks by default', () => {
    expect(new FlockLock().path).toBe('/var/run/targetcli.lock');
    expect(targetcliLockPath).toBe('/var/run/targetcli.lock');
  });

  it('makes a second locker wait until the first releases', async () => {
    const a = new FlockLock({ path: lockFile });
    const b = new FlockLock({ path: lockFile });
    const releaseA = await a.acquire();
    expect(lockIsFree()).toBe(false);
    const gotB = b.acquire();
    expect(await settled(gotB, 300)).toBe(false);
    await releaseA();
    const releaseB = await gotB;
    expect(lockIsFree()).toBe(false);
    await releaseB();
    expect(lockIsFree()).toBe(true);
  });

  it('runs withLock bodies one at a time', async () => {
    const lock = new FlockLock({ path: lockFile });
    const events: string[] = [];
    const body = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${name} out`);
    };
    await Promise.all([
      lock.withLock(body('a')),
      lock.withLock(body('b')),
      lock.withLock(body('c')),
    ]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('waits for another program holding the same flock, then gets it', async () => {
    const holder = await externalHolder();
    const got = new FlockLock({ path: lockFile, timeoutMs: 10_000 }).acquire();
    expect(await settled(got, 400)).toBe(false);
    holder.stdin!.end(); // cat exits, the holder's lock goes
    const release = await got;
    expect(lockIsFree()).toBe(false);
    await release();
  });

  it("takes over at once from a holder that died (the kernel drops a dead process's flock)", async () => {
    const holder = await externalHolder();
    expect(lockIsFree()).toBe(false);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const started = Date.now();
    const release = await new FlockLock({ path: lockFile, timeoutMs: 2000 }).acquire();
    expect(Date.now() - started).toBeLessThan(1500);
    await release();
  });

  it('gives up after its timeout with a conflict error', async () => {
    await externalHolder();
    const started = Date.now();
    const err = await new FlockLock({ path: lockFile, timeoutMs: 300 }).acquire().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).code).toBe('conflict');
    expect((err as LockTimeoutError).message).toMatch(/held .*targetcli\.lock/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("excludes and is excluded by targetcli's own call, fcntl.flock(LOCK_EX)", async (ctx) => {
    if (spawnSync('python3', ['-c', 'import fcntl']).status !== 0) ctx.skip();
    const python = spawn(
      'python3',
      [
        '-c',
        'import fcntl,sys\nf=open(sys.argv[1],"w+")\nfcntl.flock(f,fcntl.LOCK_EX)\nprint("locked",flush=True)\nsys.stdin.read()',
        lockFile,
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    holders.push(python);
    await new Promise((resolve) => python.stdout!.once('data', resolve));
    const got = new FlockLock({ path: lockFile, timeoutMs: 10_000 }).acquire();
    expect(await settled(got, 400)).toBe(false);
    python.stdin!.end();
    const release = await got;
    // And while we hold it, targetcli's call would block: a non-blocking try fails.
    const tryLock = spawnSync('python3', [
      '-c',
      'import fcntl,sys\nf=open(sys.argv[1],"w+")\ntry:\n  fcntl.flock(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nexcept BlockingIOError:\n  sys.exit(3)',
      lockFile,
    ]);
    expect(tryLock.status).toBe(3);
    await release();
  });

  it('leaves the lock file in place, as targetcli does', async () => {
    await new FlockLock({ path: lockFile }).withLock(async () => undefined);
    expect((await stat(lockFile)).isFile()).toBe(true);
    expect(await readFile(lockFile, 'utf8')).toBe('');
  });
});
