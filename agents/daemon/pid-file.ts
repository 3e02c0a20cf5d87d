import { link, readFile, readlink, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir, writeTempBeside } from '../common/atomic-file.js';

/** A running announce daemon, as its /proc entry shows it. */
export interface DaemonProcess {
  pid: number;
  /** The bundle it runs (the argv entry naming dvsan-agent). */
  bundle: string;
}

/** The pid in a pid file, or null when the file is missing or holds no pid. */
export async function readPidFile(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return null;
  const pid = Number(trimmed);
  return pid > 0 && pid <= 0x7fffffff ? pid : null;
}

/**
 * Whether `pid` is one of our announce daemons, so a stale pid file (the pid reused by some
 * other program) never gets that program signalled. It must run a dvsan-agent bundle with the
 * `daemon` command, and, where both are readable, in our mount namespace: the pid file lives
 * in a per-node mount in the lab, where every node shares one pid space.
 */
export async function daemonProcess(pid: number, proc = '/proc'): Promise<DaemonProcess | null> {
  let args: string[];
  try {
    args = (await readFile(path.join(proc, String(pid), 'cmdline'), 'utf8')).split('\0');
  } catch {
    return null;
  }
  // A zombie has an empty cmdline: it is gone as far as we are concerned.
  const bundle = args.find((arg) => arg.includes('dvsan-agent'));
  if (!bundle || !args.includes('daemon')) return null;
  const [theirs, ours] = await Promise.all([
    readlink(path.join(proc, String(pid), 'ns', 'mnt')).catch(() => null),
    readlink(path.join(proc, 'self', 'ns', 'mnt')).catch(() => null),
  ]);
  if (theirs !== null && ours !== null && theirs !== ours) return null;
  return { pid, bundle };
}

/** The daemon named by the pid file, if it really is one of ours and alive. */
export async function runningDaemon(pidFile: string): Promise<DaemonProcess | null> {
  const pid = await readPidFile(pidFile);
  return pid === null ? null : daemonProcess(pid);
}

/**
 * Makes `pidFile` name this process. The file appears complete or not at all (temp file, then
 * link/rename). link() fails when a pid file exists, which settles a race between two starting
 * daemons: only a stale file (its daemon gone) is replaced. Throws when a live daemon holds it.
 */
export async function claimPidFile(pidFile: string, pid = process.pid): Promise<void> {
  const temp = await writeTempBeside(pidFile, `${pid}\n`, 0o644);
  try {
    try {
      await link(temp, pidFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await runningDaemon(pidFile);
      if (holder && holder.pid !== pid) {
        throw new Error(`another announce daemon is running (pid ${holder.pid}, ${pidFile})`);
      }
      await rename(temp, pidFile);
    }
  } finally {
    await rm(temp, { force: true });
  }
  await syncDir(path.dirname(pidFile));
}

/** Removes the pid file if it still names `pid` (a successor may already have replaced it). */
export async function releasePidFile(pidFile: string, pid = process.pid): Promise<void> {
  if ((await readPidFile(pidFile)) === pid) await rm(pidFile, { force: true });
}
