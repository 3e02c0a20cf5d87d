// The lab's network: a switch namespace with bridge br0, a veth from the root namespace for the
// station, and one namespace per node whose eth0 is a veth into the bridge.
import { DvsanError } from '../../protocol/index.js';
import type { LabPlan, PlannedNode } from './plan.js';
import { must, run } from './run.js';

const ip = (...argv: string[]) => must('ip', argv);

export async function listNetns(): Promise<string[]> {
  const out = (await must('ip', ['-j', 'netns', 'list'])).trim();
  if (out === '') return [];
  return (JSON.parse(out) as { name: string }[]).map((n) => n.name);
}

export async function listRootLinks(): Promise<string[]> {
  const out = (await must('ip', ['-j', 'link', 'show'])).trim();
  if (out === '') return [];
  return (JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname);
}

/** IPv4 addresses (with prefix length) on root-namespace links, to refuse a subnet already in use. */
export async function listRootAddresses(): Promise<
  { ifname: string; local: string; prefixlen: number }[]
> {
  const out = (await must('ip', ['-j', '-4', 'addr', 'show'])).trim();
  if (out === '') return [];
  const links = JSON.parse(out) as {
    ifname: string;
    addr_info?: { local: string; prefixlen: number }[];
  }[];
  return links.flatMap((l) =>
    (l.addr_info ?? []).map((a) => ({ ifname: l.ifname, local: a.local, prefixlen: a.prefixlen })),
  );
}

/** Refuses a subnet some root-namespace link already uses (another lab, or a real network). */
export async function assertSubnetFree(subnet: string): Promise<void> {
  const clash = (await listRootAddresses()).find((a) => a.local.startsWith(`${subnet}.`));
  if (clash) {
    throw new DvsanError(
      'lab-failed',
      `Subnet ${subnet}.0/24 is already used by ${clash.ifname} (${clash.local}/${clash.prefixlen}). Pick another with --subnet, e.g. 10.99.2, or bring that lab down.`,
    );
  }
}

/** Creates the switch namespace, its bridge and the station's veth. Run before any node, in series:
 *  the first `ip netns add` sets up /run/netns and racing it makes duplicate mounts. */
export async function createSwitch(plan: LabPlan): Promise<void> {
  const sw = plan.switchNs;
  await ip('netns', 'add', sw);
  await ip('-n', sw, 'link', 'set', 'lo', 'up');
  // STP off and no forward delay: ports forward as soon as they are up.
  await ip(
    '-n',
    sw,
    'link',
    'add',
    'br0',
    'type',
    'bridge',
    'stp_state',
    '0',
    'forward_delay',
    '0',
  );
  await ip('-n', sw, 'link', 'set', 'br0', 'up');
  await ip('link', 'add', plan.stationLink, 'type', 'veth', 'peer', 'name', 'st', 'netns', sw);
  await ip('-n', sw, 'link', 'set', 'st', 'master', 'br0', 'up');
  await ip('addr', 'add', `${plan.stationAddress}/24`, 'dev', plan.stationLink);
  await ip('link', 'set', plan.stationLink, 'up');
}

/** Creates a node's namespace with lo and eth0 up. The veth is made from inside the node's
 *  namespace so no temporary name ever appears in the root namespace (which has its own eth0). */
export async function createNodeNet(plan: LabPlan, node: PlannedNode): Promise<void> {
  const ns = node.name;
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip(
    '-n',
    ns,
    'link',
    'add',
    'eth0',
    'type',
    'veth',
    'peer',
    'name',
    node.bridgePort,
    'netns',
    plan.switchNs,
  );
  await ip('-n', plan.switchNs, 'link', 'set', node.bridgePort, 'master', 'br0', 'up');
  await ip('-n', ns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0');
  await ip('-n', ns, 'link', 'set', 'eth0', 'up');
}

/** Pids of every process in a namespace (`ip netns pids`); empty if the namespace is gone. */
export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}
