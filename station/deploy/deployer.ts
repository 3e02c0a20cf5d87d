import { DvsanError } from '../../protocol/index.js';
import type { SshSession } from '../ssh/session.js';
import { shellQuote } from '../ssh/quote.js';
import { pinnedRuntime, type AgentBundle, type RuntimeSource } from './artifacts.js';
import { parseProbe, planDeploy } from './plan.js';
import {
  agentDir,
  installExit,
  installScript,
  nodeBase,
  probeScript,
  runtimeDir,
} from './remote-scripts.js';

export interface DeployOutcome {
  version: string;
  sha256: string;
  /** The Node binary the agent runs with on the node. */
  runtime: string;
  /** Commands sent to the node: 1 when it was already current. */
  roundTrips: number;
  pushedRuntime: boolean;
  alreadyCurrent: boolean;
}

export type DeployProgress = (percent: number, message: string) => void;

export interface RuntimeSupply {
  source: RuntimeSource | null;
  /** Reads and checks the runtime; shared by every node of one deploy. */
  bytes: () => Promise<Buffer>;
}

const sh = (script: string, args: string[]) => shellQuote(['sh', '-c', script, 'sh', ...args]);

/** Pushes the agent (and a Node runtime if the node lacks one) over one SSH session. */
export async function deployAgent(
  session: SshSession,
  bundle: AgentBundle,
  runtime: RuntimeSupply,
  progress: DeployProgress,
): Promise<DeployOutcome> {
  let roundTrips = 0;
  const run = async (command: string, stdin?: Buffer, timeoutMs = 120_000) => {
    roundTrips++;
    return session.exec(command, { stdin, timeoutMs });
  };
  progress(5, 'checking the node');
  const rtDir = runtimeDir(pinnedRuntime.version);
  const probe = await run(
    sh(probeScript, [agentDir(bundle.version), rtDir, nodeBase, bundle.sha256]),
    undefined,
    20_000,
  );
  if (probe.code !== 0) {
    throw new DvsanError(
      'deploy-failed',
      `the probe failed on the node (exit ${probe.code}): ${probe.stderr.trim().slice(0, 300)}`,
    );
  }
  const facts = parseProbe(probe.stdout.toString('utf8'));
  const plan = planDeploy({
    facts,
    agent: { size: bundle.bytes.length },
    runtime: runtime.source ? { version: runtime.source.version, size: runtime.source.size } : null,
    runtimeNodePath: `${rtDir}/bin/node`,
  });
  const outcome = { version: bundle.version, sha256: bundle.sha256, pushedRuntime: false };
  if (plan.action === 'current') {
    progress(100, 'agent already current');
    return { ...outcome, runtime: plan.nodePath, roundTrips, alreadyCurrent: true };
  }
  if (plan.pushRuntime && runtime.source) {
    progress(
      15,
      `pushing the Node ${runtime.source.version} runtime (${Math.round(runtime.source.size / 1048576)} MiB)`,
    );
    const result = await run(
      sh(installScript, [`${rtDir}/bin`, 'node', pinnedRuntime.sha256, '-']),
      await runtime.bytes(),
      300_000,
    );
    checkInstall(result.code, result.stderr, 'the Node runtime');
  }
  progress(70, 'installing the agent');
  const installed = await run(
    sh(installScript, [agentDir(bundle.version), 'dvsan-agent.cjs', bundle.sha256, plan.nodePath]),
    bundle.bytes,
  );
  checkInstall(installed.code, installed.stderr, 'the agent');
  progress(100, 'agent installed');
  return {
    ...outcome,
    runtime: plan.nodePath,
    roundTrips,
    pushedRuntime: plan.pushRuntime,
    alreadyCurrent: false,
  };
}

function checkInstall(code: number | null, stderr: string, what: string): void {
  if (code === 0) return;
  if (code === installExit.write) {
    throw new DvsanError(
      'disk-full',
      `writing ${what} under /opt/dvsan failed on the node (disk full or read-only?): free some space and deploy again. Nothing was left half-written.`,
    );
  }
  if (code === installExit.checksum) {
    throw new DvsanError(
      'deploy-failed',
      `${what} arrived corrupted (checksum mismatch); nothing was installed. Deploy again.`,
    );
  }
  throw new DvsanError(
    'deploy-failed',
    `installing ${what} failed on the node (exit ${code}): ${stderr.trim().slice(0, 300)}`,
  );
}
