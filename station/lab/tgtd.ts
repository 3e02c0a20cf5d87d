// Each lab unit's own tgtd (user-space iSCSI target). node-init.sh starts it next to the node's
// sshd, inside the node's namespaces, with control port N (the unit's index) and its iSCSI
// portal on the node's address. tgtd's control socket lives in /run/tgtd, which every node
// gets privately, so units of two labs never share one even with the same port.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DvsanError } from '../../protocol/index.js';
import { nodeExec } from './exec.js';
import { isAlive, killAll, labEnv, sleep } from './run.js';
import { nodeDir } from './sshd.js';
import { findNode, writeLabState, type LabNode, type LabState } from './state.js';

export const iscsiPort = 3260;
/** Where a node's tgt config lives under its directory (mounted over /etc/tgt). */
export const etcTgtSubdir = path.join('fs', 'etc-tgt');
/** The file the agent reads its tgtd control port from (see agents/targets/tgt). */
export const controlPortFileName = 'dvsan-control-port';
const includeLine = 'include /etc/tgt/conf.d/*.conf';

export function tgtdLogPath(labDir: string, name: string): string {
  return path.join(nodeDir(labDir, name), 'tgtd.log');
}
export function tgtdPidPath(labDir: string, name: string): string {
  return path.join(nodeDir(labDir, name), 'tgtd.pid');
}
/** tgtd's control socket as the station sees it (the node's private /run/tgtd). */
export function tgtdSocketPath(labDir: string, name: string, port: number): string {
  return path.join(nodeDir(labDir, name), 'fs', 'run-tgtd', `socket.${port}`);
}

/** tgtd's argv: foreground (it stays the child it was started as), one port, one portal. */
export function tgtdArgv(port: number, address: string): string[] {
  return ['-f', '-C', String(port), '--iscsi', `portal=${address}:${iscsiPort}`];
}

/**
 * The node's /etc/tgt: targets.conf including conf.d (where the agent writes dvsan.conf, which
 * `tgt-admin -e` restores after a restart), conf.d itself, and the control port file.
 */
export async function prepareTgtConfig(dir: string, port: number): Promise<void> {
  const etc = path.join(dir, etcTgtSubdir);
  await mkdir(path.join(etc, 'conf.d'), { recursive: true, mode: 0o755 });
  const conf = path.join(etc, 'targets.conf');
  const text = existsSync(conf) ? await readFile(conf, 'utf8') : '';
  if (!text.split('\n').some((line) => line.trim() === includeLine)) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await writeFile(conf, `${text}${sep}${includeLine}\n`, { mode: 0o644 });
  }
  await writeFile(path.join(etc, controlPortFileName), `${port}\n`, { mode: 0o644 });
}

/** True once tgtd accepts connections on its control socket. */
function socketAnswers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: file });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function logTail(labDir: string, name: string): Promise<string> {
  const text = await readFile(tgtdLogPath(labDir, name), 'utf8').catch(() => '(no tgtd.log)');
  return text.trimEnd().split('\n').slice(-10).join('\n');
}

/** Waits until the unit's tgtd answers on its control socket; fails fast if it died. */
export async function waitForTgtd(
  labDir: string,
  name: string,
  pid: number,
  port: number,
  deadline: number,
): Promise<void> {
  const socket = tgtdSocketPath(labDir, name, port);
  while (Date.now() < deadline) {
    if (!(await isAlive(pid)))
      throw new DvsanError(
        'lab-failed',
        `${name}'s tgtd exited during start. Its log:\n${await logTail(labDir, name)}`,
        { node: name },
      );
    if (existsSync(socket) && (await socketAnswers(socket))) return;
    await sleep(20);
  }
  throw new DvsanError(
    'lab-failed',
    `${name}'s tgtd did not answer on control port ${port} in time. Its log:\n${await logTail(labDir, name)}`,
    { node: name },
  );
}

/** The pid node-init.sh recorded for the unit's tgtd. */
export async function readTgtdPid(labDir: string, name: string): Promise<number> {
  const text = await readFile(tgtdPidPath(labDir, name), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1)
    throw new DvsanError('lab-failed', `${name}'s node-init did not record a tgtd pid.`, {
      node: name,
    });
  return pid;
}

function unitWithTgtd(state: LabState, unitName: string): LabNode & { tgtdPort: number } {
  const node = findNode(state, unitName);
  if (node.role !== 'unit' || node.tgtdPort === undefined)
    throw new DvsanError('invalid-params', `Lab node ${unitName} is not a unit with a tgtd.`);
  return node as LabNode & { tgtdPort: number };
}

/**
 * Stops a unit's tgtd the way Debian's tgt.service does (tgtd ignores SIGTERM): offline, every
 * target deleted (even with initiators logged in), then the daemon itself.
 */
export async function stopTgtd(state: LabState, unitName: string): Promise<void> {
  const node = unitWithTgtd(state, unitName);
  const tgtadm = (...args: string[]) =>
    nodeExec(state, unitName, ['tgtadm', '-C', String(node.tgtdPort), ...args]);
  if (node.tgtdPid !== undefined && (await isAlive(node.tgtdPid))) {
    await tgtadm('--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'offline');
    const shown = await tgtadm('--lld', 'iscsi', '--op', 'show', '--mode', 'target');
    for (const m of shown.stdout.matchAll(/^Target (\d+): /gm))
      await tgtadm(
        '--lld',
        'iscsi',
        '--op',
        'delete',
        '--mode',
        'target',
        '--tid',
        m[1] ?? '',
        '--force',
      );
    await tgtadm('--op', 'delete', '--mode', 'system');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await isAlive(node.tgtdPid))) await sleep(20);
    if (await isAlive(node.tgtdPid)) await killAll([node.tgtdPid], 0);
  }
}

/** Starts the unit's tgtd again inside its namespaces (as its sshd sees them); returns its pid. */
export async function startTgtd(state: LabState, unitName: string): Promise<number> {
  const node = unitWithTgtd(state, unitName);
  const log = await open(tgtdLogPath(state.dir, unitName), 'a', 0o600);
  let pid: number;
  try {
    // nsenter execs tgtd (no fork without --pid), so the child's pid is tgtd's.
    const child = spawn(
      'nsenter',
      [
        '-t',
        String(node.sshdPid),
        '-n',
        '-m',
        '-u',
        '--',
        'tgtd',
        ...tgtdArgv(node.tgtdPort, node.address),
      ],
      { detached: true, stdio: ['ignore', log.fd, log.fd], cwd: '/', env: labEnv },
    );
    pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (e) =>
        reject(new DvsanError('lab-failed', `Could not start ${unitName}'s tgtd: ${e.message}`)),
      );
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
  } finally {
    await log.close();
  }
  await waitForTgtd(state.dir, unitName, pid, node.tgtdPort, Date.now() + 10_000);
  return pid;
}

/**
 * Restarts a unit's tgtd as a reboot would: stop it, start it again, and restore the exports
 * from its config with `tgt-admin -e -c /etc/tgt/targets.conf` (offline meanwhile, as Debian's
 * tgt.service does). Updates `state` and lab.json with the new pid.
 */
export async function restartTgtd(state: LabState, unitName: string): Promise<LabNode> {
  const node = unitWithTgtd(state, unitName);
  await stopTgtd(state, unitName);
  const pid = await startTgtd(state, unitName);
  node.tgtdPid = pid;
  await writeLabState(state);
  const port = String(node.tgtdPort);
  const steps = [
    ['tgtadm', '-C', port, '--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'offline'],
    ['tgt-admin', '-C', port, '-e', '-c', '/etc/tgt/targets.conf'],
    ['tgtadm', '-C', port, '--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'ready'],
  ];
  for (const argv of steps) {
    const r = await nodeExec(state, unitName, argv);
    // tgt-admin repeats a failed command line, CHAP password included: mask it.
    const said = (r.stderr || r.stdout).replace(/(--password[= ])\S+/g, '$1***');
    if (r.code !== 0)
      throw new DvsanError(
        'lab-failed',
        `${argv.slice(0, 2).join(' ')} … on ${unitName} failed (exit ${r.code}): ${said.trim().slice(0, 500)}`,
      );
  }
  return node;
}
