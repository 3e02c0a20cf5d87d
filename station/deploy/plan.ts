import { DvsanError } from '../../protocol/index.js';

/** What the probe script printed, validated: the node's output is input like any other. */
export interface ProbeFacts {
  /** The Node the installed agent runs with, when the installed bundle is the wanted one. */
  currentNode: string | null;
  nodePath: string | null;
  nodeVersion: string | null;
  runtimeVersion: string | null;
  arch: string;
  uid: number;
  freeKb: number;
  writable: boolean;
}

const safePath = /^\/[A-Za-z0-9._/+-]{1,255}$/;

export function parseProbe(text: string): ProbeFacts {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const current = kv.get('current') ?? '';
  const nodePath = kv.get('node') || null;
  const freeKb = Number(kv.get('freekb'));
  const uid = Number(kv.get('uid'));
  const arch = kv.get('arch');
  if (!arch || !Number.isFinite(freeKb) || !Number.isInteger(uid)) {
    throw new DvsanError(
      'deploy-failed',
      'the node answered the probe with something unreadable; is it a Linux system with a POSIX shell?',
    );
  }
  return {
    currentNode: safePath.test(current) ? current : null,
    nodePath: nodePath && safePath.test(nodePath) ? nodePath : null,
    nodeVersion: kv.get('nodeversion') || null,
    runtimeVersion: kv.get('runtime') || null,
    arch,
    uid,
    freeKb,
    writable: kv.get('writable') === 'yes',
  };
}

export function nodeMajor(version: string | null): number {
  const m = /^v(\d+)\./.exec(version ?? '');
  return m ? Number(m[1]) : 0;
}

export type DeployPlan =
  | { action: 'current'; nodePath: string }
  | { action: 'install'; pushRuntime: boolean; nodePath: string };

export interface PlanInput {
  facts: ProbeFacts;
  agent: { size: number };
  runtime: { version: string; size: number } | null;
  /** Absolute path of the runtime's node binary on the node. */
  runtimeNodePath: string;
}

const minNodeMajor = 18;

/** Decides what a deploy must do; pure, so every branch is unit-tested. */
export function planDeploy({ facts, agent, runtime, runtimeNodePath }: PlanInput): DeployPlan {
  if (facts.currentNode) return { action: 'current', nodePath: facts.currentNode };
  const hasNode = facts.nodePath !== null && nodeMajor(facts.nodeVersion) >= minNodeMajor;
  const runtimeThere = runtime !== null && facts.runtimeVersion === runtime.version;
  const pushRuntime = !hasNode && !runtimeThere;
  if (pushRuntime) {
    if (runtime === null) {
      throw new DvsanError(
        'no-node-runtime',
        `the node has no Node.js ≥${minNodeMajor} and the station has no runtime to push: install Node.js ${minNodeMajor} or newer on the node.`,
      );
    }
    if (facts.arch !== 'x86_64') {
      throw new DvsanError(
        'no-node-runtime',
        `the node is ${facts.arch} and has no Node.js ≥${minNodeMajor}; dvsan carries a runtime for x86_64 only. Install Node.js ${minNodeMajor} or newer on the node.`,
      );
    }
  }
  const needKb =
    Math.ceil((agent.size + (pushRuntime && runtime ? runtime.size : 0)) / 1024) + 1024;
  if (facts.freeKb < needKb) {
    throw new DvsanError(
      'disk-full',
      `the node has ${Math.floor(facts.freeKb / 1024)} MiB free under /opt/dvsan but the agent needs ${Math.ceil(needKb / 1024)} MiB: free some space on the node and deploy again.`,
      { freeKb: facts.freeKb, needKb },
    );
  }
  if (!facts.writable) {
    throw new DvsanError(
      'deploy-failed',
      'the login user cannot write under /opt/dvsan: log in as root, or create /opt/dvsan owned by that user and add the sudoers rule dvsan prints (`dvsan node sudoers`).',
    );
  }
  return {
    action: 'install',
    pushRuntime,
    nodePath: hasNode && facts.nodePath ? facts.nodePath : runtimeNodePath,
  };
}
