import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { AgentVerify } from '../protocol/agent-rpc.js';
import { runDaemon } from './daemon/daemon.js';
import { createHandlers } from './handlers.js';
import { requestUsage, runRequest } from './requests/command.js';
import type { Log } from './log.js';
import { serveRpc } from './rpc/server.js';
import { agentVersion } from './version.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  log: Log;
  /** The agent's own bundle, whose hash `verify` reports (process.argv[1] when run for real). */
  selfPath: string | undefined;
  env: NodeJS.ProcessEnv;
}

const usage = `usage: dvsan-agent <command>
  rpc       serve JSON-RPC 2.0 on stdin/stdout, one message per line
  verify    print {version, sha256, node} of this agent as one JSON line
  version   print the agent version
  daemon    announce this node to the station (settings from agent.configure) until SIGTERM
  request   ask the station for a volume for this host (see dvsan-agent request --help)
`;

/** Runs one command and returns the exit code. stdout carries protocol output only. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const command = args[0];
  if (args.length === 1 && command === 'rpc') {
    await serveRpc({
      input: io.stdin,
      output: io.stdout,
      handlers: createHandlers(io.env, { selfPath: io.selfPath }),
      log: io.log,
    });
    return 0;
  }
  if (args.length === 1 && command === 'verify') {
    io.stdout.write(JSON.stringify(await verify(io.selfPath)) + '\n');
    return 0;
  }
  if (args.length === 1 && command === 'daemon') {
    return runDaemon({ env: io.env, stderr: io.stderr, log: io.log });
  }
  if (command === 'request') {
    if (args.includes('--help')) {
      io.stdout.write(requestUsage);
      return 0;
    }
    return runRequest(args.slice(1), io);
  }
  if (args.length === 1 && command === 'version') {
    io.stdout.write(agentVersion + '\n');
    return 0;
  }
  io.stderr.write(usage);
  return 2;
}

/** Lets a redeploy check the installed agent in one round trip: same version, same bytes. */
async function verify(selfPath: string | undefined): Promise<AgentVerify> {
  if (!selfPath) throw new Error('cannot tell where the agent bundle is (no argv[1])');
  const bytes = await readFile(path.resolve(selfPath));
  return {
    version: agentVersion,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    node: `${process.execPath} ${process.version}`,
  };
}
