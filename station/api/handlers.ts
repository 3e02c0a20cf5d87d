import {
  DvsanError,
  type ParsedParams,
  type Result,
  type Settings,
  type StationMethod,
} from '../../protocol/index.js';
import type { AnnounceStats } from '../announce/listener.js';
import { toView } from '../db/nodes-repo.js';
import type { SettingsRepo } from '../db/settings-repo.js';
import type { TasksRepo } from '../db/tasks-repo.js';
import type { EventLog } from '../event-log.js';
import type { NodeService } from '../nodes/service.js';
import type { PoolService } from '../pool/service.js';
import type { VolumeService } from '../volumes/service.js';
import { agentLauncher } from '../deploy/remote-scripts.js';

export type Handlers = { [M in StationMethod]: (params: ParsedParams<M>) => Promise<Result<M>> };

export interface HandlerDeps {
  nodes: NodeService;
  tasks: TasksRepo;
  pool: PoolService;
  volumes: VolumeService;
  settings: SettingsRepo;
  events: EventLog;
  stats: () => AnnounceStats;
  onSettings: (next: Settings) => void;
  info: () => Promise<Result<'station/info'>>;
}

/** The station's side of the StationApi: one entry per `'domain/verb'`. */
export function createHandlers(d: HandlerDeps): Handlers {
  const { nodes, tasks } = d;
  return {
    'station/info': () => d.info(),
    'node/list': () => nodes.list(),
    'node/get': async ({ id }) => toView(await nodes.get(id)),
    'node/add': (p) => nodes.add(p),
    'node/trustHostKey': ({ id, fingerprint }) => nodes.trustHostKey(id, fingerprint),
    'node/remove': async ({ id }) => ({ removed: await nodes.remove(id) }),
    'node/deploy': async ({ ids }) => ({ taskId: await nodes.deploy(ids) }),
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
    'event/list': ({ limit }) => d.events.list(limit),
    'announce/stats': async () => structuredClone(d.stats()),
    'volume/list': () => d.volumes.list(),
    'volume/create': (p) => d.volumes.create(p),
    'volume/resize': ({ id, sizeBytes }) => d.volumes.resize(id, sizeBytes),
    'volume/delete': async ({ id, force, confirm }) => ({
      deleted: await d.volumes.remove(id, force, confirm),
    }),
    'volume/export': ({ id, initiatorIqn, hostId }) => d.volumes.export(id, initiatorIqn, hostId),
    'volume/unexport': ({ id, initiatorIqn }) => d.volumes.unexport(id, initiatorIqn),
    'unit/reconcile': ({ id, apply }) => d.volumes.reconcile(id, apply),
    'task/list': () => tasks.list(),
    'task/get': async ({ id }) => {
      const task = await tasks.get(id);
      if (!task) throw new DvsanError('not-found', `no task with id ${id}`);
      return task;
    },
  };
}
