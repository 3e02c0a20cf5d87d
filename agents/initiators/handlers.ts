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
import { MirrorService, probeMirrorSupport } from './mirror-service.js';
import type { MirrorSupport } from '../../protocol/mirrors.js';

export type InitiatorHandlers = Pick<
  AgentHandlers,
  | 'initiator.attach'
  | 'initiator.detach'
  | 'initiator.list'
  | 'mirror.create'
  | 'mirror.remove'
  | 'mirror.list'
>;

export interface HostInitiator {
  handlers: InitiatorHandlers;
  service: InitiatorService;
  mirrors: MirrorService;
}

export interface InitiatorOptions {
  run?: Run;
  /** The backend; detected from the host when absent. */
  backend?: () => Promise<BackendChoice>;
  /** Whether md mirrors can be made; probed from the host when absent. */
  mirrorSupport?: () => Promise<MirrorSupport>;
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
  const supervisor = () => chooseSupervisor(daemonPaths(env), env);
  const withLock = async <T>(fn: () => Promise<T>) => {
    await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
    return lock.withLock(fn);
  };
  const service = new InitiatorService({ paths, run, backend, supervisor, withLock });
  const mirrors = new MirrorService({
    paths,
    run,
    supervisor,
    withLock,
    support: options.mirrorSupport ?? (() => probeMirrorSupport(env, run)),
  });
  return {
    service,
    mirrors,
    handlers: {
      'initiator.attach': (params) => service.attach(params),
      'initiator.detach': (params) => service.detach(params.attachmentId, params.force),
      'initiator.list': () => service.list(),
      'mirror.create': (params) => mirrors.create(params),
      'mirror.remove': (params) => mirrors.remove(params.mirrorId, params.force),
      'mirror.list': () => mirrors.list(),
    },
  };
}
