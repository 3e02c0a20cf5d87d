// One lab node on disk and as a process: its directory, host key, config files, and the sshd
// started inside its namespaces through build/lab/node-init.sh.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DvsanError } from '../../protocol/index.js';
import type { LabRole } from './plan.js';
import { hostKeyPath, parseFingerprint, renderSshdConfig, sshdConfigPath } from './render.js';
import { isAlive, labEnv, must, sleep } from './run.js';

/** Per-node private directories: name under <node-dir>/fs, mode. node-init.sh mounts them. */
const privateDirs: [string, number][] = [
  ['opt-dvsan', 0o755],
  ['var-lib-dvsan', 0o755],
  ['etc-tgt', 0o755],
  ['etc-iscsi', 0o755],
  ['run-dvsan', 0o755],
  // tgtd's control socket directory: private, so units of two labs never share a socket.
  ['run-tgtd', 0o755],
  ['root-home', 0o700],
  // Where hosts mount volumes: a mount point removed on one node would otherwise detach
  // another node's mount of the same path (the filesystem is shared, mounts are not).
  ['mnt', 0o755],
  ['srv', 0o755],
];

/** Files every node of a lab shares, rendered once by `lab up`. */
export interface NodeFiles {
  passwd: string;
  shadow: string;
  hosts: string;
}

export interface NodeSpec {
  name: string;
  role: LabRole;
  address: string;
  withoutNode: boolean;
  /** Units: the control port of the node's own tgtd, which node-init.sh starts. */
  tgtdPort?: number | undefined;
}

export function nodeDir(labDir: string, name: string): string {
  return path.join(labDir, name);
}

export function sshdLogPath(labDir: string, name: string): string {
  return path.join(nodeDir(labDir, name), 'sshd.log');
}

/** Finds build/lab/node-init.sh above this module, both from the source tree and from a bundle. */
export function nodeInitScript(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'build', 'lab', 'node-init.sh');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new DvsanError(
    'lab-failed',
    'build/lab/node-init.sh was not found next to the dvsan installation; reinstall dvsan.',
  );
}

/** Makes (or refreshes) a node's directory: private dirs, config files, host key. */
export async function prepareNode(labDir: string, node: NodeSpec, files: NodeFiles): Promise<void> {
  const dir = nodeDir(labDir, node.name);
  await mkdir(path.join(dir, 'etc'), { recursive: true, mode: 0o755 });
  for (const [name, mode] of privateDirs) {
    const sub = path.join(dir, 'fs', name);
    const fresh = !existsSync(sub);
    await mkdir(sub, { recursive: true, mode });
    await chmod(sub, mode);
    // A node starts with the tgt package's default config, as a freshly installed one would.
    if (fresh && name === 'etc-tgt' && existsSync('/etc/tgt'))
      await cp('/etc/tgt', sub, { recursive: true });
  }
  await writeFile(path.join(dir, 'etc', 'passwd'), files.passwd, { mode: 0o644 });
  const shadowFile = path.join(dir, 'etc', 'shadow');
  await writeFile(shadowFile, files.shadow, { mode: 0o640 });
  // Same owner and group as the real shadow (root:shadow on Debian).
  const real = await stat('/etc/shadow').catch(() => null);
  if (real) await chown(shadowFile, 0, real.gid);
  await writeFile(path.join(dir, 'etc', 'hosts'), files.hosts, { mode: 0o644 });
  await writeFile(path.join(dir, 'etc', 'hostname'), `${node.name}\n`, { mode: 0o644 });
  await writeFile(
    sshdConfigPath(dir),
    renderSshdConfig({ address: node.address, nodeDir: dir, labDir }),
    { mode: 0o644 },
  );
  if (!existsSync(hostKeyPath(dir))) await generateHostKey(dir, node.name);
}

export async function generateHostKey(dir: string, name: string): Promise<void> {
  const key = hostKeyPath(dir);
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
}

export async function hostKeyFingerprint(labDir: string, name: string): Promise<string> {
  return parseFingerprint(
    await must('ssh-keygen', ['-lf', `${hostKeyPath(nodeDir(labDir, name))}.pub`]),
  );
}

/**
 * Starts the node's sshd detached, in the node's network namespace plus a new mount and UTS
 * namespace. nsenter, unshare and sh all exec, so the returned pid is sshd's: the node's anchor.
 */
export async function startNode(
  labDir: string,
  node: NodeSpec,
  initScript: string,
): Promise<number> {
  const dir = nodeDir(labDir, node.name);
  const log = await open(sshdLogPath(labDir, node.name), 'a', 0o600);
  try {
    const argv = [
      `--net=/run/netns/${node.name}`,
      '--',
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      initScript,
      node.name,
      dir,
      node.role,
      ...(node.withoutNode ? ['--without-node'] : []),
      ...(node.tgtdPort !== undefined
        ? [`--tgtd-port=${node.tgtdPort}`, `--tgtd-portal=${node.address}:3260`]
        : []),
    ];
    const child = spawn('nsenter', argv, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      cwd: '/',
      env: labEnv,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (e) =>
        reject(new DvsanError('lab-failed', `Could not start ${node.name}'s sshd: ${e.message}`)),
      );
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    return pid;
  } finally {
    await log.close();
  }
}

/** Connects and waits for the "SSH-2.0-..." banner: the port is open and it is sshd answering. */
function sshBanner(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port: 22 });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (b: Buffer) => {
      seen += b.toString('latin1');
      if (seen.length >= 4) done(seen.startsWith('SSH-'));
    });
    socket.once('error', () => done(false));
    socket.once('end', () => done(false));
  });
}

/** One probe from the root namespace, as the station would connect. */
export function reachable(address: string, timeoutMs = 1000): Promise<boolean> {
  return sshBanner(address, timeoutMs);
}

export async function logTail(labDir: string, name: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(sshdLogPath(labDir, name), 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no sshd.log)';
  }
}

/** Waits until the node's sshd accepts TCP on port 22; fails fast if the process dies. */
export async function waitForSshd(
  labDir: string,
  node: NodeSpec,
  pid: number,
  deadline: number,
): Promise<void> {
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) {
      throw new DvsanError(
        'lab-failed',
        `${node.name}'s sshd exited during start. Its log:\n${await logTail(labDir, node.name)}`,
        {
          node: node.name,
        },
      );
    }
    if (await sshBanner(node.address, Math.max(100, Math.min(1000, deadline - Date.now())))) return;
    await sleep(50);
  }
  throw new DvsanError(
    'lab-failed',
    `${node.name}'s sshd did not answer on ${node.address}:22 in time. Its log:\n${await logTail(labDir, node.name)}`,
    { node: node.name },
  );
}
