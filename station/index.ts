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
import { EventsRepo } from './db/events-repo.js';
import { SettingsRepo } from './db/settings-repo.js';
import { EventLog } from './event-log.js';
import { PoolService } from './pool/service.js';
import { AnnounceKeys } from './announce/keys.js';
import { Construct } from './announce/construct.js';
import { VolumesRepo } from './db/volumes-repo.js';
import { VolumeService } from './volumes/service.js';
import type { AgentLink } from './nodes/service.js';
import { defaultAnnouncePort } from '../protocol/index.js';

export interface StationOptions {
  dataDir: string;
  agentBundlePath?: string;
  /** A key from the OS keychain (desktop); otherwise a 0600 key file in the data dir. */
  secretKey?: Buffer;
  log?: Logger;
  deployConcurrency?: number;
  announce?: {
    /** Run the UDP listener here (the serving station does; one-shot CLI commands don't). */
    listen?: { host: string; port: number };
    /** The port nodes send to; defaults to the listener's, else 7301. */
    port?: number;
    /** The address nodes send to; by default each node uses the address SSH came from. */
    advertise?: string | null;
  };
  /** Reach agents some other way than SSH (simulated units in benchmarks). */
  connectAgent?: (nodeId: string) => Promise<AgentLink>;
}

export interface Station {
  transport: StationTransport;
  /** Where the announce listener really listens (port 0 picks a free one), if it runs. */
  announceAddress: { address: string; port: number } | null;
  /** Feeds one datagram to the listener as if it came from `from` (benchmarks, fuzzing). */
  injectAnnounce(datagram: Buffer, from?: { address: string; port: number }): void;
  /** Gives a simulated node an announce key without a deploy (benchmarks). */
  setAnnounceKey(nodeId: string, key: Buffer): void;
  /** Resolves when announces, enquiries and pool updates in flight are done. */
  settled(): Promise<void>;
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
  const nodesRepo = new NodesRepo(db);
  const settings = new SettingsRepo(db);
  const events = new EventLog(new EventsRepo(db), bus, log);
  const pool = new PoolService(nodesRepo, settings, events, bus);
  const keys = new AnnounceKeys(nodesRepo, secrets);
  await keys.load();
  let construct: Construct | null = null;
  const announceTarget = {
    port: opts.announce?.port ?? opts.announce?.listen?.port ?? defaultAnnouncePort,
    advertise: opts.announce?.advertise ?? null,
    listening: Boolean(opts.announce?.listen),
  };
  const nodes = new NodeService({
    repo: nodesRepo,
    bus,
    pool: new SshPool(),
    secrets,
    memory: new MemorySecrets(),
    tasks: runner,
    bundle: getBundle,
    runtime: findRuntime,
    deployConcurrency: opts.deployConcurrency ?? 8,
    settings,
    keys,
    announce: announceTarget,
    connectAgent: opts.connectAgent,
    onRemoved: (id) => {
      construct?.watch.forget(id);
      pool.changed();
    },
  });
  const volumes = new VolumeService({
    volumes: new VolumesRepo(db),
    nodes: nodesRepo,
    pool,
    secrets,
    events,
    bus,
    agentFor: (id) => nodes.link(id),
    refreshUnit: (node) => construct?.enquire(node),
  });
  construct = new Construct({
    nodes: nodesRepo,
    settings,
    events,
    pool,
    keys,
    log,
    publish: (node) => nodes.changed(node),
    storageInventory: (id) => nodes.storageInventory(id),
    unitBack: (node) => {
      volumes
        .reconcile(node.id, true, false)
        .catch((err: Error) =>
          events.record(
            'warning',
            'unit.reconcile',
            node.id,
            `repairing the exports of ${node.name} after it came back failed: ${err.message}`,
          ),
        );
    },
  });
  const announceAddress = await construct.start(opts.announce?.listen ?? null);
  // Port 0 asks the system for a free port: nodes must be told the real one.
  if (announceAddress && !opts.announce?.port) announceTarget.port = announceAddress.port;
  const handlers = createHandlers({
    nodes,
    tasks: tasksRepo,
    pool,
    volumes,
    settings,
    events,
    stats: () => construct.listener.stats,
    onSettings: (next) => {
      construct.watch.setMissedHeartbeats(next.missedHeartbeats);
      pool.changed();
    },
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
    announceAddress,
    injectAnnounce: (datagram, from = { address: '127.0.0.1', port: 0 }) =>
      construct.inject(datagram, from),
    setAnnounceKey: (nodeId, key) => keys.set(nodeId, key),
    settled: () => construct.settled(),
    idle: () => runner.idle(),
    async close() {
      construct.close();
      await runner.idle();
      await construct.settled();
      pool.close();
      nodes.close();
      await db.close();
    },
  };
}
export type { Logger } from './log.js';
