// Reaching into a running lab node from the station: run a command in its namespaces, or give
// it a new host key (to test how dvsan handles a changed key).
import { DvsanError } from '../../protocol/index.js';
import { isAlive, killAll, labEnv, run, type RunOptions, type RunResult } from './run.js';
import {
  generateHostKey,
  hostKeyFingerprint,
  nodeDir,
  nodeInitScript,
  startNode,
  waitForSshd,
} from './sshd.js';
import { findNode, writeLabState, type LabNode, type LabState } from './state.js';
import { isNodeSshd } from './status.js';
import { vmExec } from './vm-exec.js';

async function assertRunning(state: LabState, node: LabNode): Promise<void> {
  if (!(await isNodeSshd(state, node))) {
    throw new DvsanError(
      'lab-failed',
      `Lab node ${node.name} is not running (sshd pid ${node.sshdPid} is gone). Check \`dvsan lab status --prefix ${state.prefix}\`; bring the lab down and up again.`,
    );
  }
}

/**
 * Runs argv inside the node's network, mount and UTS namespaces (as its sshd sees the world)
 * and resolves with the output and exit code; a non-zero exit is not an error.
 */
export async function nodeExec(
  state: LabState,
  nodeName: string,
  argv: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const node = findNode(state, nodeName);
  if (argv.length === 0) throw new DvsanError('invalid-params', 'nodeExec needs a command to run.');
  await assertRunning(state, node);
  if (node.vm) return vmExec(state, node, argv, opts);
  return run('nsenter', ['-t', String(node.sshdPid), '-n', '-m', '-u', '--', ...argv], {
    ...opts,
    env: opts.env ?? { ...labEnv, HOME: '/root' },
  });
}

/**
 * Gives the node a new host key and restarts its sshd through node-init.sh again (its mount and
 * UTS namespaces die with the old sshd, so the new one gets fresh ones over the same private
 * directories). Updates `state` in place and lab.json; returns the updated node.
 */
export async function regenerateHostKey(state: LabState, nodeName: string): Promise<LabNode> {
  const node = findNode(state, nodeName);
  if (node.vm)
    throw new DvsanError('invalid-params', `${nodeName} is a VM; its host key is fixed at boot.`);
  if (await isNodeSshd(state, node)) {
    const left = await killAll([node.sshdPid]);
    if (left.length > 0)
      throw new DvsanError(
        'lab-failed',
        `Could not stop ${nodeName}'s sshd (pid ${node.sshdPid}).`,
      );
  }
  await generateHostKey(nodeDir(state.dir, nodeName), nodeName);
  const spec = {
    name: node.name,
    role: node.role,
    address: node.address,
    withoutNode: node.withoutNode === true,
  };
  const pid = await startNode(state.dir, spec, nodeInitScript());
  try {
    await waitForSshd(state.dir, spec, pid, Date.now() + 30_000);
  } catch (e) {
    if (await isAlive(pid)) await killAll([pid]);
    throw e;
  }
  node.sshdPid = pid;
  node.hostKeyFingerprint = await hostKeyFingerprint(state.dir, nodeName);
  await writeLabState(state);
  return node;
}
