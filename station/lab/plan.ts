// Pure parts of the lab: option validation, the name and address plan. No I/O here, so the
// rules can be unit-tested without root.
import path from 'node:path';
import { DvsanError } from '../../protocol/index.js';

export type LabRole = 'unit' | 'host';

export interface LabUpOptions {
  units: number;
  hosts: number;
  /** Every namespace, link and directory of the lab carries this prefix; `lab down` finds them by it. */
  prefix?: string;
  /** First three octets of the lab's /24, e.g. '10.99.1'. */
  subnet?: string;
  /** Where keys, node directories and lab.json live; defaults to /var/lib/dvsan-lab/<prefix>. */
  dir?: string;
  /** Node names whose `node` executables are hidden, to try deploying onto a node without Node. */
  withoutNode?: string[];
  /** qemu guests with Debian's kernel (LIO, LVM, open-iscsi, md), see station/lab/vm.ts. */
  vmUnits?: number;
  vmHosts?: number;
}

export interface PlannedNode {
  name: string;
  role: LabRole;
  /** 1-based position within its role. */
  index: number;
  address: string;
  /** The bridge-side end of the node's veth (a VM's tap), inside the switch namespace. */
  bridgePort: string;
  /** A qemu guest rather than a namespace. */
  vm?: true;
}

export interface LabPlan {
  prefix: string;
  subnet: string;
  dir: string;
  /** The switch namespace holding the bridge. */
  switchNs: string;
  /** The root-namespace end of the station's veth. */
  stationLink: string;
  stationAddress: string;
  nodes: PlannedNode[];
  withoutNode: string[];
}

export const defaultPrefix = 'dvl';
export const defaultSubnet = '10.99.1';
export const labRoot = '/var/lib/dvsan-lab';
export const maxNodesPerRole = 60;
/** VM units sit at .71-.90 and VM hosts at .161-.180, clear of the namespace nodes' ranges. */
export const maxVmsPerRole = 20;
/** Linux's IFNAMSIZ minus the terminating NUL. */
export const maxInterfaceName = 15;

const prefixPattern = /^[a-z]{2,5}\d?$/;
const subnetPattern = /^10\.99\.(\d{1,3})$/;

export function defaultLabDir(prefix: string): string {
  return path.join(labRoot, prefix);
}

/** Throws the error every lab entry point gives a non-root caller; the uid is injectable for tests. */
export function assertRoot(uid: number | undefined = process.getuid?.()): void {
  if (uid !== 0) {
    throw new DvsanError(
      'lab-needs-root',
      'dvsan lab needs root: it creates network namespaces, veth links and sshd daemons. Run it with sudo.',
    );
  }
}

export function validatePrefix(prefix: string): string {
  if (!prefixPattern.test(prefix)) {
    throw new DvsanError(
      'invalid-params',
      `Lab prefix "${prefix}" is not valid: use 2-5 lowercase letters, optionally followed by one digit (e.g. dvl, lab2).`,
    );
  }
  return prefix;
}

export function validateSubnet(subnet: string): string {
  const m = subnetPattern.exec(subnet);
  if (!m || Number(m[1]) > 255) {
    throw new DvsanError(
      'invalid-params',
      `Lab subnet "${subnet}" is not valid: give the first three octets of a /24 inside 10.99.0.0/16, e.g. 10.99.1.`,
    );
  }
  return subnet;
}

/** Places each node gets its own copy of (see build/lab/node-init.sh). Inside a node they hide
 *  the real directory, so the lab dir (which the node's sshd reads) must not be below them. */
export const nodePrivatePaths = [
  '/opt/dvsan',
  '/var/lib/dvsan',
  '/etc/tgt',
  '/etc/iscsi',
  '/run/dvsan',
  '/root',
  '/sys',
];

/** The lab dir is removed recursively by `lab down`, so it must be absolute and clearly a lab's own. */
export function validateDir(dir: string): string {
  const normal = path.resolve(dir);
  if (!path.isAbsolute(dir) || normal.split('/').filter(Boolean).length < 2) {
    throw new DvsanError(
      'invalid-params',
      `Lab directory "${dir}" is not valid: give an absolute path at least two levels deep, e.g. ${defaultLabDir(defaultPrefix)}.`,
    );
  }
  const hidden = nodePrivatePaths.find((p) => normal === p || normal.startsWith(p + '/'));
  if (hidden) {
    throw new DvsanError(
      'invalid-params',
      `Lab directory "${dir}" is below ${hidden}, which every lab node replaces with its own private copy, so the nodes could not read their config. Use a directory under /var/lib (the default) or /srv.`,
    );
  }
  return normal;
}

function validateCount(what: string, n: number, max = maxNodesPerRole): number {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new DvsanError(
      'invalid-params',
      `The number of ${what} must be a whole number from 0 to ${max} (got ${n}).`,
    );
  }
  return n;
}

export function unitName(prefix: string, i: number): string {
  return `${prefix}-u${i}`;
}
export function hostName(prefix: string, i: number): string {
  return `${prefix}-h${i}`;
}

export function vmUnitName(prefix: string, i: number): string {
  return `${prefix}-vu${i}`;
}
export function vmHostName(prefix: string, i: number): string {
  return `${prefix}-vh${i}`;
}

/** Units sit at .11-.70, hosts at .101-.160, the station at .1; the ranges never overlap. */
export function nodeAddress(subnet: string, role: LabRole, i: number, vm = false): string {
  const base = role === 'unit' ? 10 : 100;
  return `${subnet}.${base + (vm ? 60 : 0) + i}`;
}

/** Validates the options and computes every name and address the lab will use. */
export function planLab(opts: LabUpOptions): LabPlan {
  const prefix = validatePrefix(opts.prefix ?? defaultPrefix);
  const subnet = validateSubnet(opts.subnet ?? defaultSubnet);
  const dir = validateDir(opts.dir ?? defaultLabDir(prefix));
  const units = validateCount('units', opts.units);
  const hosts = validateCount('hosts', opts.hosts);
  const vmUnits = validateCount('VM units', opts.vmUnits ?? 0, maxVmsPerRole);
  const vmHosts = validateCount('VM hosts', opts.vmHosts ?? 0, maxVmsPerRole);
  if (units + hosts + vmUnits + vmHosts === 0) {
    throw new DvsanError(
      'invalid-params',
      'A lab needs at least one unit or host: pass --units, --hosts, --vm-units and/or --vm-hosts.',
    );
  }
  const nodes: PlannedNode[] = [];
  for (let i = 1; i <= units; i++) {
    const name = unitName(prefix, i);
    nodes.push({
      name,
      role: 'unit',
      index: i,
      address: nodeAddress(subnet, 'unit', i),
      bridgePort: name,
    });
  }
  for (let i = 1; i <= hosts; i++) {
    const name = hostName(prefix, i);
    nodes.push({
      name,
      role: 'host',
      index: i,
      address: nodeAddress(subnet, 'host', i),
      bridgePort: name,
    });
  }
  const vm = (role: LabRole, i: number): PlannedNode => {
    const name = role === 'unit' ? vmUnitName(prefix, i) : vmHostName(prefix, i);
    const address = nodeAddress(subnet, role, i, true);
    return { name, role, index: i, address, bridgePort: name, vm: true };
  };
  for (let i = 1; i <= vmUnits; i++) nodes.push(vm('unit', i));
  for (let i = 1; i <= vmHosts; i++) nodes.push(vm('host', i));
  const withoutNode = [...new Set(opts.withoutNode ?? [])];
  const unknown = withoutNode.filter((n) => !nodes.some((p) => p.name === n && !p.vm));
  if (unknown.length > 0) {
    throw new DvsanError(
      'invalid-params',
      `--without-node names nodes this lab does not have: ${unknown.join(', ')}. Node names look like ${unitName(prefix, 1)} or ${hostName(prefix, 1)}.`,
    );
  }
  const plan: LabPlan = {
    prefix,
    subnet,
    dir,
    switchNs: `${prefix}-sw`,
    stationLink: `${prefix}-st`,
    stationAddress: `${subnet}.1`,
    nodes,
    withoutNode,
  };
  for (const name of [plan.stationLink, ...nodes.map((n) => n.bridgePort)]) {
    if (name.length > maxInterfaceName)
      throw new Error(`interface name ${name} is longer than ${maxInterfaceName}`);
  }
  return plan;
}

/** True for names the lab with this prefix made (namespaces, root-namespace links). */
export function isLabName(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`);
}
