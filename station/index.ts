// The station core's public surface. Runs under Node alone; never imports electron.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createDispatcher, type StationDispatcher } from './api/dispatch.js';
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
import { TaskEngine } from './tasks/index.js';
import { VolumeTasks } from './api/volume-tasks.js';
import { EventsRepo } from './db/events-repo.js';
import { defaultTaskConcurrency, SettingsRepo } from './db/settings-repo.js';
import { EventLog } from './event-log.js';
import { PoolService } from './pool/service.js';
import { AnnounceKeys } from './announce/keys.js';
import { Construct } from './announce/construct.js';
import { VolumesRepo } from './db/volumes-repo.js';
import { VolumeService } from './volumes/service.js';
import { AttachmentsRepo } from './db/attachments-repo.js';
import { MirrorsRepo } from './db/mirrors-repo.js';
import { HostService } from './hosts/service.js';
import { RequestService } from './hosts/requests.js';
import type { AgentLink } from './nodes/service.js';
import { defaultAnnouncePort } from '../protocol/index.js';
import { AuditRepo, auditCalls } from './db/audit-repo.js';
import { createReports, type PdfPrinter } from './reports/index.js';
import { Auth, auditChanges, callAuthorizer } from './auth/index.js';

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
  /** How often up units are asked for their storage again (default 5 minutes). */
  storageRefreshMs?: number;
  /** Reach agents some other way than SSH (simulated units in benchmarks). */
  connectAgent?: (nodeId: string) => Promise<AgentLink>;
  /** Prints report HTML to PDF (the desktop shell may use Electron's); Chromium otherwise. */
  printPdf?: PdfPrinter;
  /** Shown in `station/info` when the station serves HTTPS. */
  tlsFingerprint?: string;
}

export interface Station {
  transport: StationDispatcher;
  /** User accounts and login sessions, for the web server. */
  auth: Auth;
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
  const bus = new EventBus();
  const runner = new TaskEngine(tasksRepo, bus, log);
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
  runner.setConcurrency((await settings.get()).taskConcurrency ?? defaultTaskConcurrency);
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
  const volumeRecords = new VolumesRepo(db);
  const volumes = new VolumeService({
    volumes: volumeRecords,
    nodes: nodesRepo,
    pool,
    secrets,
    events,
    bus,
    agentFor: (id) => nodes.link(id),
    refreshUnit: (node, soon) => (soon ? construct?.enquireSoon(node) : construct?.enquire(node)),
  });
  const attachments = new AttachmentsRepo(db);
  const hosts = new HostService({
    nodes: nodesRepo,
    volumes,
    volumesRepo: volumeRecords,
    attachments,
    mirrors: new MirrorsRepo(db),
    secrets,
    tasks: runner,
    bus,
    events,
    agentFor: (id) => nodes.link(id),
  });
  // Export repairs the station starts itself (a unit back, a restart) run as tasks too.
  const repairs = new VolumeTasks({ engine: runner, volumes, records: volumeRecords, nodes });
  const stationCall = { user: 'station', source: 'station' };
  await hosts.recover();
  const requests = new RequestService({
    attachments,
    nodes: nodesRepo,
    volumesRepo: volumeRecords,
    settings,
    hosts,
    events,
    bus,
    log,
    agentFor: (id) => nodes.link(id),
  });
  construct = new Construct({
    ...(opts.storageRefreshMs !== undefined ? { storageRefreshMs: opts.storageRefreshMs } : {}),
    onAnnounce: (body) => {
      // Announce work must never end the station: a failure is logged and the next packet retries.
      const failed = (err: unknown) => log.warn({ err, node: body.nodeId }, 'announce work failed');
      if (body.request) requests.onAnnounce(body).catch(failed);
      if (body.kind === 'heartbeat')
        hosts.onFaults(body.nodeId, body.failedAttachments ?? []).catch(failed);
      if (body.kind === 'heartbeat')
        hosts.onDegraded(body.nodeId, body.degradedMirrors ?? []).catch(failed);
    },
    nodes: nodesRepo,
    settings,
    events,
    pool,
    keys,
    log,
    publish: (node) => nodes.changed(node),
    storageInventory: (id) => nodes.storageInventory(id),
    // A unit that comes back gets its exports repaired as a task, so the change is on record.
    unitBack: (node) => {
      repairs
        .reconcile(node.id, true, stationCall, false)
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
  const reports = await createReports({
    db,
    dataDir: opts.dataDir,
    poolView: () => pool.view(),
    bus,
    tasks: runner,
    log,
    // The serving station (the one listening for announces) runs schedules; one-shot commands don't.
    serving: Boolean(opts.announce?.listen),
    printPdf: opts.printPdf,
  });
  const auditRepo = new AuditRepo(db);
  const auth = new Auth(db, {
    audit: (e) => auditRepo.record(e).catch((err) => log.warn({ err }, 'audit record failed')),
  });
  const handlers = createHandlers({
    auth,
    hosts,
    requests,
    reports,
    nodes,
    tasks: runner,
    volumeRecords,
    pool,
    volumes,
    settings,
    events,
    stats: () => construct.listener.stats,
    onSettings: (next) => {
      runner.setConcurrency(next.taskConcurrency ?? defaultTaskConcurrency);
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
      tlsFingerprint: opts.tlsFingerprint ?? null,
    }),
  });
  // Units that interrupted tasks had locked get their exports repaired, each as a task.
  await runner.recover((interrupted) => {
    const locked = interrupted.flatMap((t) => t.locks.filter((l) => l.kind === 'unit'));
    for (const id of new Set(locked.map((l) => l.id)))
      repairs.reconcile(id, true, stationCall, false).catch(() => {
        // The task records why; a unit that stays unreachable is repaired when it comes back.
      });
  });
  return {
    transport: createDispatcher(
      handlers,
      bus,
      log,
      auditChanges(auditCalls(auditRepo, (err) => log.warn({ err }, 'audit record failed'))),
      // A task that cannot be read has no owner to check; its own call says not-found.
      callAuthorizer((id) =>
        runner
          .get(id)
          .then((t) => t.user)
          .catch(() => null),
      ),
    ),
    auth,
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
      await reports.close();
      await db.close();
    },
  };
}
export type { Logger } from './log.js';
