// The VM tier: qemu guests with Debian's own kernel (LIO, open-iscsi, LVM, md), for what the
// station's kernel lacks. Each guest's tap lives in the switch namespace on br0, so the station
// reaches it like any namespace node, and `lab down` stops qemu with the switch's processes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DvsanError } from '../../protocol/index.js';
import { labRoot, type LabPlan, type PlannedNode } from './plan.js';
import { isAlive, killAll, must, run } from './run.js';
import { reachable } from './sshd.js';
import {
  consoleLogPath,
  dataDiskPath,
  nodeEnvPath,
  qemuArgs,
  qemuPidPath,
  renderNodeEnv,
  tail,
  vmDataDiskBytes,
  type VmAccel,
  type VmFiles,
  type VmImage,
} from './vm-args.js';

export const qemuBinary = 'qemu-system-x86_64';
/** Where built images are kept between labs; `lab down` never removes it. */
export const defaultImageCache = path.join(labRoot, 'vm-images');
/** A guest under TCG on a loaded 2-core machine boots in ~15 s; this is the limit. */
export const vmBootLimitMs = 180_000;

function buildScript(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'build', 'vm', 'build-image.sh');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new DvsanError('lab-failed', 'build/vm/build-image.sh was not found; reinstall dvsan.');
}

/** Refuses early, naming the Debian package, when qemu is not installed. */
export async function assertQemu(): Promise<void> {
  if ((await run('sh', ['-c', 'command -v "$1"', 'sh', qemuBinary])).code !== 0) {
    throw new DvsanError(
      'lab-failed',
      `VM nodes need ${qemuBinary}: install the Debian package qemu-system-x86 (apt-get install --no-install-recommends qemu-system-x86).`,
    );
  }
}

/** Builds the guest image, or finds it in the cache; the script's exit codes become words. */
export async function ensureImage(cacheDir = defaultImageCache): Promise<VmImage> {
  const r = await run('bash', [buildScript(), cacheDir], { timeoutMs: 600_000 });
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').slice(-5).join('\n');
    throw new DvsanError(
      'lab-failed',
      r.code === 4
        ? `No Debian kernel package for the VM image: run apt-get update so apt can find linux-image-amd64. ${why}`
        : `Building the VM image failed (exit ${r.code}): ${why}`,
    );
  }
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  return { dir, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
}

/**
 * KVM when /dev/kvm really runs a guest: on some machines it opens but a guest never gets past
 * the boot stub. The probe boots the kernel alone until its first line, or gives up in 3 s.
 */
export async function chooseAccel(image: VmImage, env = process.env): Promise<VmAccel> {
  const forced = env.DVSAN_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!existsSync('/dev/kvm')) return 'tcg';
  const argv = ['-accel', 'kvm', '-m', '256', '-display', 'none', '-monitor', 'none'];
  argv.push('-no-reboot', '-serial', 'stdio', '-kernel', image.kernel);
  argv.push('-append', 'console=ttyS0 earlyprintk=serial panic=-1');
  return new Promise((resolve) => {
    const child = spawn(qemuBinary, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const finish = (accel: VmAccel) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(accel);
    };
    const timer = setTimeout(() => finish('tcg'), 3000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('Linux version')) finish('kvm');
    });
    child.on('close', () => finish('tcg'));
    child.on('error', () => finish('tcg'));
  });
}

async function consoleTail(dir: string): Promise<string> {
  return tail(await readFile(consoleLogPath(dir), 'utf8').catch(() => '(no console output)'));
}

/** Writes the guest's files and starts qemu in the switch namespace; returns qemu's pid. */
export async function startVm(
  plan: LabPlan,
  node: PlannedNode,
  image: VmImage,
  accel: VmAccel,
  files: VmFiles,
): Promise<number> {
  await writeFile(nodeEnvPath(files.dir), renderNodeEnv(node), { mode: 0o600 });
  await writeFile(consoleLogPath(files.dir), '', { mode: 0o600 });
  if (node.role === 'unit') {
    await (await open(dataDiskPath(files.dir), 'w', 0o600)).close();
    await truncate(dataDiskPath(files.dir), vmDataDiskBytes);
  }
  await must(
    'ip',
    ['netns', 'exec', plan.switchNs, qemuBinary, ...qemuArgs(node, image, files, accel)],
    {
      timeoutMs: 60_000,
    },
  );
  const pid = Number((await readFile(qemuPidPath(files.dir), 'utf8')).trim());
  await must('ip', ['-n', plan.switchNs, 'link', 'set', node.bridgePort, 'master', 'br0', 'up']);
  return pid;
}

/**
 * Waits until the guest's sshd answers. A guest that dies or misses the limit is stopped and
 * the error carries the end of its console log.
 */
export async function waitForVm(
  node: PlannedNode,
  dir: string,
  pid: number,
  deadline: number,
  limitMs: number,
): Promise<void> {
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) {
      throw new DvsanError(
        'lab-failed',
        `VM ${node.name} stopped during boot. The end of its console log:\n${await consoleTail(dir)}`,
        { node: node.name },
      );
    }
    if (await reachable(node.address, 1000)) return;
    await sleep(500);
  }
  await killAll([pid]);
  throw new DvsanError(
    'lab-failed',
    `VM ${node.name} did not answer on ${node.address}:22 within ${Math.round(limitMs / 1000)} s; it was stopped. The end of its console log:\n${await consoleTail(dir)}`,
    { node: node.name },
  );
}
