// Running a command in a VM node: there is no namespace to enter, so it goes over SSH with the
// lab key, checking the guest's host key against the one lab up gave it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shellQuote } from '../ssh/quote.js';
import { hostKeyPath } from './render.js';
import { labEnv, run, type RunOptions, type RunResult } from './run.js';
import type { LabNode, LabState } from './state.js';

async function knownHostsFile(state: LabState, node: LabNode): Promise<string> {
  const dir = path.join(state.dir, node.name);
  const file = path.join(dir, 'known_hosts');
  const pub = (await readFile(`${hostKeyPath(dir)}.pub`, 'utf8')).trim().split(/\s+/);
  await writeFile(file, `${node.address} ${pub[0]} ${pub[1]}\n`, { mode: 0o600 });
  return file;
}

export async function vmExec(
  state: LabState,
  node: LabNode,
  argv: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const sshArgs = [
    '-i',
    state.keyPath,
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${await knownHostsFile(state, node)}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=20',
    `root@${node.address}`,
    '--',
    shellQuote(argv),
  ];
  return run('ssh', sshArgs, {
    ...opts,
    timeoutMs: opts.timeoutMs ?? 120_000,
    env: opts.env ?? { ...labEnv, HOME: '/root' },
  });
}
