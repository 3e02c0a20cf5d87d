// Pure parts of the VM tier: qemu's argv, the guest's node.env, the MAC of its NIC. No I/O, so
// they are unit-tested without qemu.
import path from 'node:path';
import type { PlannedNode } from './plan.js';

export type VmAccel = 'kvm' | 'tcg';

export interface VmImage {
  dir: string;
  kernel: string;
  initrd: string;
}

export interface VmFiles {
  /** The node's directory under the lab dir: console log, pid file, data disk, fw_cfg files. */
  dir: string;
  /** The guest's SSH host key (OpenSSH private key). */
  hostKey: string;
  /** The lab's authorized_keys. */
  authorizedKeys: string;
}

/** Guest memory: the initramfs (~140 MB with Node) lives in RAM, plus the agent and LVM. */
export const vmMemoryMb = 1024;
/** The data disk LVM's volume group `dvsan` sits on (a sparse file). */
export const vmDataDiskBytes = 8 * 1024 ** 3;

export const consoleLogPath = (dir: string) => path.join(dir, 'console.log');
export const qemuPidPath = (dir: string) => path.join(dir, 'qemu.pid');
export const nodeEnvPath = (dir: string) => path.join(dir, 'node.env');
export const dataDiskPath = (dir: string) => path.join(dir, 'data.img');

/** A locally administered MAC from the node's address, unique within the lab's /24. */
export function vmMac(address: string): string {
  const [, , c, d] = address.split('.').map(Number);
  const hex = (n: number | undefined) => (n ?? 0).toString(16).padStart(2, '0');
  return `52:54:00:99:${hex(c)}:${hex(d)}`;
}

/** The guest's identity, read by build/vm/guest-init.sh from fw_cfg as shell assignments. */
export function renderNodeEnv(node: PlannedNode): string {
  return [
    `NAME=${node.name}`,
    `ROLE=${node.role}`,
    `ADDRESS=${node.address}`,
    'PREFIXLEN=24',
    '',
  ].join('\n');
}

/**
 * qemu's argv for one guest. It daemonizes after the tap exists, so the caller can bridge the
 * tap at once. Secrets go in by fw_cfg files, never on the command line that `ps` shows.
 */
export function qemuArgs(
  node: PlannedNode,
  image: VmImage,
  files: VmFiles,
  accel: VmAccel,
): string[] {
  const fwCfg = (name: string, file: string) => ['-fw_cfg', `name=opt/dvsan/${name},file=${file}`];
  return [
    '-name',
    node.name,
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max']),
    '-m',
    String(vmMemoryMb),
    '-smp',
    '2',
    '-display',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-serial',
    `file:${consoleLogPath(files.dir)}`,
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    '-append',
    'console=ttyS0 panic=-1 quiet',
    ...fwCfg('node.env', nodeEnvPath(files.dir)),
    ...fwCfg('authorized_keys', files.authorizedKeys),
    ...fwCfg('host_key', files.hostKey),
    ...(node.role === 'unit'
      ? ['-drive', `file=${dataDiskPath(files.dir)},format=raw,if=virtio,cache=unsafe`]
      : []),
    '-netdev',
    `tap,id=n0,ifname=${node.bridgePort},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${vmMac(node.address)}`,
    '-daemonize',
    '-pidfile',
    qemuPidPath(files.dir),
  ];
}

/** The last lines of a console log, for the error a guest that does not come up gives. */
export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
