// The initiator.* agent methods on a host, and what the inventory and the announce daemon
// ask of the same service.
import { mkdir } from 'node:fs/promises';
import { chooseSupervisor } from '../daemon/configure.js';
import { daemonPaths } from '../daemon/paths.js';
import type { AgentHandlers } from '../rpc/server.js';
import { FlockLock } from '../targets/lock.js';
import { toolRun, type Run } from './command.js';
import { chooseInitiator, systemInitiatorProbes, type BackendChoice } from './factory.js';
import { initiatorPaths } from './paths.js';
import { InitiatorService } from './service.js';

export type InitiatorHandlers = Pick<
  AgentHandlers,
  'initiator.attach' | 'initiator.detach' | 'initiator.list'
>;

export interface HostInitiator {
  handlers: InitiatorHandlers;
  service: InitiatorService;
}

export interface InitiatorOptions {
  run?: Run;
  /** The backend; detected from the host when absent. */
  backend?: () => Promise<BackendChoice>;
}

export function createInitiator(
  env: NodeJS.ProcessEnv,
  options: InitiatorOptions = {},
): HostInitiator {
  const run = options.run ?? toolRun(env);
  const paths = initiatorPaths(env);
  let choice: Promise<BackendChoice> | null = null;
  const backend =
    options.backend ??
    (() =>
      (choice ??= chooseInitiator(systemInitiatorProbes(env, run), { run, runDir: paths.runDir })));
  const lock = new FlockLock({ path: paths.lockFile, timeoutMs: 120_000 });
  const service = new InitiatorService({
    paths,
    run,
    backend,
    supervisor: () => chooseSupervisor(daemonPaths(env), env),
    withLock: async (fn) => {
      await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
      return lock.withLock(fn);
    },
  });
  return {
    service,
    handlers: {
      'initiator.attach': (params) => service.attach(params),
      'initiator.detach': (params) => service.detach(params.attachmentId, params.force),
      'initiator.list': () => service.list(),
    },
  };
}
