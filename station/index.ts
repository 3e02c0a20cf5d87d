// The station core's public surface. Runs under Node alone; never imports electron.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StationTransport } from '../protocol/index.js';
import { createDispatcher } from './api/dispatch.js';
import { createHandlers } from './api/handlers.js';
import { Database } from './db/database.js';
import { NodesRepo } from './db/nodes-repo.js';
import { TasksRepo } from './db/tasks-repo.js';
import { type AgentBundle, findRuntime, loadAgentBundle } from './deploy/artifacts.js';
import { EventBus } from './events.js';
import { createLogger, type Logger } from './log.js';
import { MemorySecrets } from './nodes/connect.js';
import { NodeService } from './nodes/service.js';
import { defaultAgentBundle, stationVersion } from './paths.js';
import { SecretBox } from './secrets.js';
import { SshPool } from './ssh/pool.js';
import { TaskRunner } from './tasks/runner.js';

export interface StationOptions {
  dataDir: string;
  agentBundlePath?: string;
  /** A key from the OS keychain (desktop); otherwise a 0600 key file in the data dir. */
  secretKey?: Buffer;
  log?: Logger;
  deployConcurrency?: number;
}

export interface Station {
  transport: StationTransport;
  /** Resolves when no task is running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function createStation(opts: StationOptions): Promise<Station> {
  const log = opts.log ?? createLogger();
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = await Database.open(join(opts.dataDir, 'station.db'));
  const secrets = opts.secretKey
    ? SecretBox.fromKey(opts.secretKey)
    : await SecretBox.fromKeyFile(join(opts.dataDir, 'secret.key'));
  const tasksRepo = new TasksRepo(db);
  await tasksRepo.markInterrupted();
  const bus = new EventBus();
  const runner = new TaskRunner(tasksRepo, bus, log);
  const version = stationVersion();
  const bundlePath = opts.agentBundlePath ?? defaultAgentBundle();
  let bundle: Promise<AgentBundle> | null = null;
  // Read once and kept: the bundle does not change while the station runs.
  const getBundle = () => {
    bundle ??= loadAgentBundle(bundlePath, version);
    bundle.catch(() => (bundle = null));
    return bundle;
  };
  const nodes = new NodeService({
    repo: new NodesRepo(db),
    bus,
    pool: new SshPool(),
    secrets,
    memory: new MemorySecrets(),
    tasks: runner,
    bundle: getBundle,
    runtime: findRuntime,
    deployConcurrency: opts.deployConcurrency ?? 8,
  });
  const handlers = createHandlers({
    nodes,
    tasks: tasksRepo,
    info: async () => ({
      version,
      agentVersion: await getBundle().then(
        (b) => b.version,
        () => 'not built',
      ),
      dataDir: opts.dataDir,
    }),
  });
  return {
    transport: createDispatcher(handlers, bus, log),
    idle: () => runner.idle(),
    async close() {
      await runner.idle();
      nodes.close();
      await db.close();
    },
  };
}
export type { Logger } from './log.js';
