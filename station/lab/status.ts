// `dvsan lab status`: what lab.json says, checked against the live system.
import { listNetns, listRootLinks } from './netns.js';
import { defaultPrefix, isLabName, validatePrefix } from './plan.js';
import { isAlive, processCmdline } from './run.js';
import { reachable } from './sshd.js';
import { resolveLabDir, tryReadLabState, type LabNode, type LabState } from './state.js';

export interface LabNodeStatus extends LabNode {
  /** The recorded sshd pid is alive and still runs this node's config (not a reused pid). */
  sshdAlive: boolean;
  /** A TCP connect from the root namespace to <address>:22 succeeded. */
  reachable: boolean;
}

export interface LabStatus {
  prefix: string;
  dir: string;
  /** lab.json is there. */
  exists: boolean;
  state: LabState | null;
  nodes: LabNodeStatus[];
  /** Every node's sshd alive and reachable. */
  allUp: boolean;
  /** Namespaces and root links with the prefix that lab.json does not account for (a crashed lab). */
  leftovers: string[];
}

/** True if `pid` is the sshd started for this node: guards against a recycled pid. */
export async function isNodeSshd(
  state: LabState,
  node: LabNode,
  pid = node.sshdPid,
): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  const argv = await processCmdline(pid);
  // An unreadable cmdline (hidepid) still counts as alive: better than calling a live node dead.
  return argv.length === 0 || argv.some((a) => a.includes(`${state.dir}/${node.name}/`));
}

export async function labStatus(opts: { prefix?: string; dir?: string } = {}): Promise<LabStatus> {
  const dir = resolveLabDir(opts);
  const state = await tryReadLabState(opts);
  const prefix = state?.prefix ?? validatePrefix(opts.prefix ?? defaultPrefix);
  const present = [...(await listNetns()), ...(await listRootLinks())].filter((n) =>
    isLabName(prefix, n),
  );
  // Without the station link, a probe of a lab address would leave by the default route.
  const linked = present.includes(`${prefix}-st`);
  const nodes = await Promise.all(
    (state?.nodes ?? []).map(async (n) => {
      const [sshdAlive, up] = await Promise.all([
        isNodeSshd(state as LabState, n),
        linked ? reachable(n.address) : false,
      ]);
      return { ...n, sshdAlive, reachable: up };
    }),
  );
  const expected = new Set([
    `${prefix}-sw`,
    `${prefix}-st`,
    ...(state?.nodes ?? []).map((n) => n.name),
  ]);
  return {
    prefix,
    dir,
    exists: state !== null,
    state,
    nodes,
    allUp: state !== null && nodes.every((n) => n.sshdAlive && n.reachable),
    leftovers: [...new Set(present.filter((n) => !expected.has(n) || state === null))],
  };
}
