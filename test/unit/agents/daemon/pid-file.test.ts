import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimPidFile,
  daemonProcess,
  readPidFile,
  releasePidFile,
} from '../../../../agents/daemon/pid-file.js';

let dir: string;
let fakeDaemon: ChildProcess;
let other: ChildProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-pid-'));
  // Looks like `node <bundle> daemon` to /proc, without being one.
  fakeDaemon = spawn(
    process.execPath,
    ['-e', 'setTimeout(() => {}, 30000)', '/opt/x/dvsan-agent.cjs', 'daemon'],
    { stdio: 'ignore' },
  );
  other = spawn('sleep', ['30'], { stdio: 'ignore' });
  // Let both exec before /proc is read.
  await new Promise((resolve) => setTimeout(resolve, 200));
});

afterAll(async () => {
  fakeDaemon?.kill('SIGKILL');
  other?.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pid file', () => {
  it('reads only a plain positive pid', async () => {
    const file = path.join(dir, 'read.pid');
    for (const [text, pid] of [
      ['123\n', 123],
      ['0\n', null],
      ['-5', null],
      ['12 34', null],
      ['', null],
    ] as const) {
      await writeFile(file, text);
      expect(await readPidFile(file)).toBe(pid);
    }
    expect(await readPidFile(path.join(dir, 'missing.pid'))).toBeNull();
  });

  it('recognises our daemon by its command line, not any live process', async () => {
    expect(await daemonProcess(fakeDaemon.pid!)).toEqual({
      pid: fakeDaemon.pid,
      bundle: '/opt/x/dvsan-agent.cjs',
    });
    expect(await daemonProcess(other.pid!)).toBeNull();
    expect(await daemonProcess(process.pid)).toBeNull();
  });

  it('claims a missing or stale pid file, refuses one a live daemon holds, leaves no temp files', async () => {
    const file = path.join(dir, 'daemon.pid');
    await claimPidFile(file, 1111);
    expect(await readFile(file, 'utf8')).toBe('1111\n');
    // 1111 runs no daemon of ours: stale, replaced.
    await claimPidFile(file, 2222);
    expect(await readPidFile(file)).toBe(2222);
    await writeFile(file, `${other.pid}\n`);
    await claimPidFile(file, 3333);
    expect(await readPidFile(file)).toBe(3333);

    await writeFile(file, `${fakeDaemon.pid}\n`);
    await expect(claimPidFile(file, 4444)).rejects.toThrow(/another announce daemon/);
    expect(await readPidFile(file)).toBe(fakeDaemon.pid);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('releases the file only while it names the releasing pid', async () => {
    const file = path.join(dir, 'release.pid');
    await claimPidFile(file, 5555);
    await releasePidFile(file, 6666);
    expect(await readPidFile(file)).toBe(5555);
    await releasePidFile(file, 5555);
    expect(await readPidFile(file)).toBeNull();
  });
});
