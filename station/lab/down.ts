// `dvsan lab down`: removes everything a lab made. It finds things by name prefix and by path,
// not only from lab.json, so it also cleans up after a crash that left no (or a stale) state.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/index.js';
import { listNetns, listRootLinks, netnsPids } from './netns.js';
import { assertRoot, defaultLabDir, isLabName, validateDir, validatePrefix } from './plan.js';
import { killAll, must, processCmdline, processCwd, run } from './run.js';
import { markerFile, stateFileName } from './state.js';

export interface LabDownOptions {
  prefix?: string;
  dir?: string;
}

export interface LabDownReport {
  prefix: string;
  /** The lab directory: the one removed, when the lab's sshds named another than the default. */
  dir: string;
  /** False when there was nothing of this lab to remove. */
  found: boolean;
  processes: number;
  namespaces: string[];
  links: string[];
  mounts: string[];
  loopDevices: string[];
  dirRemoved: boolean;
  /** Things that could not be removed, in words; empty when the lab is fully gone. */
  problems: string[];
}

const under = (dir: string, p: string) => p === dir || p.startsWith(dir + '/');

/** Our own process and its parents: `sudo dvsan lab down --dir <dir>` names the dir in argv too. */
async function ancestors(): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let pid = process.pid, i = 0; pid > 1 && i < 64 && !seen.has(pid); i++) {
    seen.add(pid);
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return seen;
}

/** Processes that name the lab dir in their argv or run inside it (sshd -f <dir>/<node>/sshd_config). */
async function processesUsingDir(dir: string, mine: Set<number>): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || mine.has(pid)) continue;
    const argv = await processCmdline(pid);
    const cwd = await processCwd(pid);
    if (
      argv.some((a) => under(dir, a) || a.includes(dir + '/')) ||
      (cwd !== null && under(dir, cwd))
    )
      pids.push(pid);
  }
  return pids;
}

async function mountsUnder(dir: string): Promise<string[]> {
  const out = await must('findmnt', ['-J', '-l', '-o', 'TARGET']);
  const targets = (JSON.parse(out) as { filesystems: { target: string }[] }).filesystems.map(
    (f) => f.target,
  );
  // Deepest first, so nested mounts come off before their parents.
  return targets.filter((t) => under(dir, t)).sort((a, b) => b.length - a.length);
}

async function loopsUnder(dir: string): Promise<string[]> {
  const out = (await must('losetup', ['-J', '-l'])).trim();
  if (out === '') return [];
  const loops = (JSON.parse(out) as { loopdevices: { name: string; 'back-file': string | null }[] })
    .loopdevices;
  return loops
    .filter((l) => l['back-file'] && under(dir, l['back-file'].replace(/ \(deleted\)$/, '')))
    .map((l) => l.name);
}

/**
 * Loop devices this lab's hosts made over their userspace initiators' FUSE files. Loop devices
 * are machine-wide and every lab host's files sit at the same path inside its own
 * namespace (/run/dvsan/initiators/<attachment id>/...), so a device is this lab's only when
 * its file is under an attachment id found in one of this lab's node directories.
 */
async function hostLoops(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const node of await readdir(dir).catch(() => [] as string[])) {
    const attachments = path.join(dir, node, 'fs', 'run-dvsan', 'initiators');
    ids.push(...(await readdir(attachments).catch(() => [] as string[])));
  }
  if (ids.length === 0) return [];
  const out = (await must('losetup', ['-J', '-l'])).trim();
  if (out === '') return [];
  const listed = JSON.parse(out) as { loopdevices: { name: string; 'back-file': string | null }[] };
  return listed.loopdevices
    .filter((l) => ids.some((id) => l['back-file']?.includes(`/run/dvsan/initiators/${id}/`)))
    .map((l) => l.name);
}

/**
 * Lab dirs named by the sshds in the lab's namespaces (`-f <dir>/<node>/sshd_config`), so
 * `lab down --prefix x` also finds a lab that was brought up with another --dir.
 */
async function dirsFromSshds(prefix: string, namespaces: string[]): Promise<string[]> {
  const pattern = new RegExp(`-f (/\\S*)/${prefix}-[uh]\\d+/sshd_config`);
  const dirs = new Set<string>();
  for (const ns of namespaces) {
    for (const pid of await netnsPids(ns)) {
      const m = pattern.exec((await processCmdline(pid)).join(' '));
      if (m?.[1]) dirs.add(m[1]);
    }
  }
  return [...dirs];
}

async function removeDir(prefix: string, dir: string, report: LabDownReport): Promise<void> {
  if (!existsSync(dir)) return;
  // Only a directory the lab made is removed: it carries the marker or lab.json, or is the default place.
  const ours =
    existsSync(path.join(dir, markerFile)) ||
    existsSync(path.join(dir, stateFileName)) ||
    dir === defaultLabDir(prefix);
  const stillMounted = await mountsUnder(dir);
  if (!ours) {
    report.problems.push(
      `${dir} does not look like a lab directory (no ${markerFile} or lab.json); left it in place`,
    );
  } else if (stillMounted.length > 0) {
    report.problems.push(`${dir} still has mounts (${stillMounted.join(', ')}); left it in place`);
  } else {
    await rm(dir, { recursive: true, force: true });
    report.dirRemoved = true;
    report.dir = dir;
  }
}

/** The part of `lab down` that needs no checks; `lab up` calls it to undo a failed start. */
export async function downLab(
  prefix: string,
  dir: string,
  discoverDirs = false,
): Promise<LabDownReport> {
  const report: LabDownReport = {
    prefix,
    dir,
    found: false,
    processes: 0,
    namespaces: [],
    links: [],
    mounts: [],
    loopDevices: [],
    dirRemoved: false,
    problems: [],
  };
  report.namespaces = (await listNetns()).filter((n) => isLabName(prefix, n));
  const dirs = [dir];
  if (discoverDirs) {
    for (const d of await dirsFromSshds(prefix, report.namespaces)) {
      if (!dirs.includes(d)) dirs.push(d);
    }
  }

  // Hosts' loop devices before their namespaces go: one still mounted is detached as soon as
  // its mount dies with the namespace (the kernel's autoclear).
  for (const loop of (await Promise.all(dirs.map(hostLoops))).flat()) {
    if ((await run('losetup', ['-d', loop])).code === 0) report.loopDevices.push(loop);
    else report.problems.push(`could not detach ${loop}`);
  }
  // Processes first: nothing may hold a mount, loop device or namespace we remove next. A few
  // rounds, because a dying session can still have forked a child.
  const mine = await ancestors();
  for (let round = 0; round < 3; round++) {
    const pids = new Set<number>();
    for (const d of dirs) for (const pid of await processesUsingDir(d, mine)) pids.add(pid);
    for (const ns of report.namespaces)
      for (const pid of await netnsPids(ns)) if (!mine.has(pid)) pids.add(pid);
    if (pids.size === 0) break;
    report.processes += pids.size;
    // Units' tgtds ignore SIGTERM and would hold the round up for its whole grace period;
    // a lab target's state is throwaway, so they get SIGKILL straight away.
    for (const pid of pids) {
      if (path.basename((await processCmdline(pid))[0] ?? '') !== 'tgtd') continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const left = await killAll([...pids]);
    if (left.length > 0 && round === 2)
      report.problems.push(`processes still alive after SIGKILL: ${left.join(', ')}`);
  }

  for (const d of dirs) {
    for (const target of await mountsUnder(d)) {
      const r = await run('umount', [target]);
      if (r.code !== 0 && (await run('umount', ['-l', target])).code !== 0)
        report.problems.push(`could not unmount ${target}`);
      else report.mounts.push(target);
    }
    for (const loop of await loopsUnder(d)) {
      if ((await run('losetup', ['-d', loop])).code === 0) report.loopDevices.push(loop);
      else report.problems.push(`could not detach ${loop}`);
    }
  }
  for (const ns of report.namespaces) {
    const r = await run('ip', ['netns', 'del', ns]);
    if (r.code !== 0) report.problems.push(`could not delete namespace ${ns}: ${r.stderr.trim()}`);
  }
  // Deleting the switch namespace takes the station's veth with it; anything else goes here.
  report.links = (await listRootLinks()).filter((n) => isLabName(prefix, n));
  for (const link of report.links) {
    const r = await run('ip', ['link', 'del', link]);
    if (r.code !== 0 && (await listRootLinks()).includes(link))
      report.problems.push(`could not delete link ${link}: ${r.stderr.trim()}`);
  }

  for (const d of dirs) await removeDir(prefix, d, report);
  report.found =
    report.processes > 0 ||
    report.namespaces.length > 0 ||
    report.links.length > 0 ||
    report.mounts.length > 0 ||
    report.loopDevices.length > 0 ||
    report.dirRemoved;
  return report;
}

/** Removes the lab with this prefix (default dvl). Safe to run twice, and when nothing is there. */
export async function labDown(
  opts: LabDownOptions = {},
  ctx: { uid?: number } = {},
): Promise<LabDownReport> {
  const prefix = validatePrefix(opts.prefix ?? 'dvl');
  const dir = validateDir(opts.dir ?? defaultLabDir(prefix));
  assertRoot(ctx.uid ?? process.getuid?.());
  const report = await downLab(prefix, dir, opts.dir === undefined);
  if (report.problems.length > 0) {
    throw new DvsanError(
      'lab-failed',
      `Lab ${prefix} is only partly removed: ${report.problems.join('; ')}. Fix that and run \`dvsan lab down --prefix ${prefix}\` again.`,
      {
        report,
      },
    );
  }
  return report;
}
