// The export.* agent methods: volume ids and portals in, the unit's target backend underneath.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { DvsanError } from '../../protocol/errors.js';
import type { ExportInfo } from '../../protocol/volumes.js';
import { dataDirPath } from '../inventory/data-dir.js';
import type { Log } from '../log.js';
import type { AgentHandlers } from '../rpc/server.js';
import { volumesSubdir } from '../storage/index.js';
import type { ExportSpec, TargetBackend, TargetInfo } from '../targets/index.js';
import { lvmBacking } from './backing.js';
import { createExportBackend, type BackendProbes } from './factory.js';

export type ExportHandlers = Pick<AgentHandlers, 'export.ensure' | 'export.remove' | 'export.list'>;

export interface ExportHandlerOptions {
  /** The backend to use; detected on first use when absent. */
  backend?: () => Promise<TargetBackend>;
  probes?: BackendProbes;
  log?: Log;
}

const sectorBytes = 512;
const noPortal = { address: '0.0.0.0', port: 3260 };

/** The backing file of volume `volumeId`: `<data dir>/volumes/<id>.img`. */
export function backingFileOf(env: NodeJS.ProcessEnv, volumeId: string): string {
  return path.join(dataDirPath(env), volumesSubdir, `${volumeId}.img`);
}

/** A target as export.* report it; `portal` is the one asked for, else the first it listens on. */
export function toExportInfo(target: TargetInfo, portal?: ExportSpec['portal']): ExportInfo {
  const lun = target.luns.find((l) => l.backing !== null) ?? null;
  const listening =
    target.portals.find((p) => p.address !== '0.0.0.0' && p.address !== '::') ?? target.portals[0];
  return {
    iqn: target.iqn,
    backing: lun?.backing?.path ?? '',
    sizeBytes: lun?.backing?.sizeBytes ?? 0,
    portal: portal ?? listening ?? noPortal,
    acls: target.acls.map((a) => ({
      initiatorIqn: a.initiatorIqn,
      chapUser: a.chapUser,
      mutual: a.mutual,
    })),
  };
}

/** The export.* handlers, and the check volume.* uses to refuse deleting an exported volume. */
export interface UnitExports {
  handlers: ExportHandlers;
  /** Whether some target exports `backingPath`; false when the unit has no target backend. */
  isExported(backingPath: string): Promise<boolean>;
  /** The unit's target backend and the backing paths it exports; null when it has none. */
  exported(): Promise<{ backend: TargetBackend['kind']; backings: Set<string> } | null>;
}

export function createExports(
  env: NodeJS.ProcessEnv,
  options: ExportHandlerOptions = {},
): UnitExports {
  // Detected once per agent process; a failed detection is retried (tgtd may start later).
  let pending: Promise<TargetBackend> | null = null;
  const backend = (): Promise<TargetBackend> => {
    if (options.backend) return options.backend();
    pending ??= createExportBackend({
      env,
      ...(options.probes ? { probes: options.probes } : {}),
      ...(options.log ? { log: options.log } : {}),
    }).catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };

  /** The backend, or null when the unit has none (the error that says what to install). */
  const backendOrNull = async (): Promise<TargetBackend | null> => {
    try {
      return await backend();
    } catch (err) {
      if (err instanceof DvsanError && err.code === 'agent-error' && err.details?.packages)
        return null;
      throw err;
    }
  };

  const exported: UnitExports['exported'] = async () => {
    const b = await backendOrNull();
    return b ? { backend: b.kind, backings: await b.exportedBackings() } : null;
  };

  const isExported = async (backingPath: string): Promise<boolean> =>
    (await exported())?.backings.has(backingPath) ?? false;

  const handlers: ExportHandlers = {
    'export.ensure': async (params) => {
      const file = backingFileOf(env, params.volumeId);
      const stats = await lstat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      const block = stats ? null : await lvmBacking(env, params.volumeId);
      if (!stats && !block)
        throw new DvsanError('not-found', `volume ${params.volumeId} has no backing file ${file}`, {
          volumeId: params.volumeId,
        });
      if (stats && !stats.isFile())
        throw new DvsanError('invalid-params', `${file} is not a regular file`, {
          volumeId: params.volumeId,
        });
      const b = await backend();
      const spec: ExportSpec = {
        iqn: params.iqn,
        // Whole sectors: a target exports 512-byte blocks.
        backing: block ?? {
          kind: 'file',
          path: file,
          sizeBytes: Math.floor((stats?.size ?? 0) / sectorBytes) * sectorBytes,
        },
        portal: params.portal,
        acls: params.acls.map((a) => ({ initiatorIqn: a.initiatorIqn, chap: a.chap })),
      };
      await b.ensureExport(spec);
      const target = await b.describeTarget(params.iqn);
      if (!target)
        throw new DvsanError(
          'agent-error',
          `target ${params.iqn} is missing right after it was made`,
        );
      return toExportInfo(target, params.portal);
    },
    'export.remove': async ({ iqn }) => {
      const b = await backend();
      const existed = (await b.describeTarget(iqn)) !== null;
      await b.removeExport(iqn);
      return { removed: existed };
    },
    'export.list': async () => {
      // No target software is an answer here: nothing is exported.
      const b = await backendOrNull();
      if (!b) return { backend: null, exports: [] };
      return { backend: b.kind, exports: (await b.listTargets()).map((t) => toExportInfo(t)) };
    },
  };
  return { handlers, isExported, exported };
}
