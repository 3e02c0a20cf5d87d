import {
  type ParsedParams,
  type Result,
  type Settings,
  type StationMethod,
} from '../../protocol/index.js';
import type { AnnounceStats } from '../announce/listener.js';
import { toView } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { VolumesRepo } from '../db/volumes-repo.js';
import type { TaskEngine } from '../tasks/index.js';
import type { CallContext } from './call-context.js';
import { VolumeTasks } from './volume-tasks.js';
import type { EventLog } from '../event-log.js';
import type { NodeService } from '../nodes/service.js';
import type { PoolService } from '../pool/service.js';
import type { VolumeService } from '../volumes/service.js';
import { agentLauncher } from '../deploy/remote-scripts.js';
import { reportHandlers, type Reports } from '../reports/index.js';
import { hostHandlers } from '../hosts/handlers.js';
import { alertHandlers } from './alert-handlers.js';
import type { HostService } from '../hosts/service.js';
import type { RequestService } from '../hosts/requests.js';
import { type Auth, userHandlers } from '../auth/index.js';

export type Handlers = {
  [M in StationMethod]: (params: ParsedParams<M>, call: CallContext) => Promise<Result<M>>;
};

export interface HandlerDeps {
  hosts: HostService;
  requests: RequestService;
  reports: Reports;
  nodes: NodeService;
  tasks: TaskEngine;
  volumeRecords: VolumesRepo;
  pool: PoolService;
  volumes: VolumeService;
  settings: SettingsRepo;
  events: EventLog;
  stats: () => AnnounceStats;
  onSettings: (next: Settings) => void;
  info: () => Promise<Result<'station/info'>>;
  auth: Auth;
}

/** The station's side of the StationApi: one entry per `'domain/verb'`. */
export function createHandlers(d: HandlerDeps): Handlers {
  const { nodes, tasks } = d;
  const volumeTasks = new VolumeTasks({
    engine: tasks,
    volumes: d.volumes,
    records: d.volumeRecords,
    nodes,
  });
  return {
    'station/info': () => d.info(),
    'node/list': () => nodes.list(),
    'node/get': async ({ id }) => toView(await nodes.get(id)),
    'node/add': (p) => nodes.add(p),
    'node/trustHostKey': ({ id, fingerprint }) => nodes.trustHostKey(id, fingerprint),
    'node/remove': async ({ id }) => ({ removed: await nodes.remove(id) }),
    'node/deploy': async ({ ids }, call) => ({ taskId: await nodes.deploy(ids, call.user) }),
    'node/inventory': ({ id, refresh }) => nodes.inventory(id, refresh),
    'node/sudoersRule': async ({ user }) => ({
      // The version directory varies per release, so the rule names the launcher by pattern;
      // only that launcher with the "rpc" argument is allowed.
      rule: `${user} ALL=(root) NOPASSWD: ${agentLauncher('*')} rpc`,
    }),
    'node/setSpare': async ({ id, spare }) => {
      const view = await nodes.setSpare(id, spare);
      d.pool.changed();
      return view;
    },
    'pool/get': () => d.pool.view(),
    'settings/get': () => d.settings.get(),
    'settings/update': async (changes) => {
      const next = await d.settings.update(changes);
      d.onSettings(next);
      return next;
    },
    'announce/stats': async () => structuredClone(d.stats()),
    'volume/list': () => d.volumes.list(),
    'volume/create': (p, call) => volumeTasks.create(p, call),
    'volume/resize': ({ id, sizeBytes }, call) => volumeTasks.resize(id, sizeBytes, call),
    'volume/delete': (p, call) => volumeTasks.remove(p, call),
    'volume/export': (p, call) => volumeTasks.export(p, call),
    'volume/unexport': (p, call) => volumeTasks.unexport(p, call),
    'unit/reconcile': ({ id, apply }, call) => volumeTasks.reconcile(id, apply, call),
    'task/list': (filter) => tasks.list(filter),
    'task/get': ({ id }) => tasks.get(id),
    'task/cancel': ({ id }, call) => tasks.cancel(id, call.user),
    ...reportHandlers(d.reports),
    ...hostHandlers(d.hosts, d.requests),
    ...userHandlers(d.auth),
    ...alertHandlers(d.events),
  };
}
