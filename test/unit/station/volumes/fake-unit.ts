import type {
  AgentMethod,
  AgentParams,
  AgentResult,
  ExportInfo,
  StorageVolume,
} from '../../../../protocol/index.js';
import { DvsanError } from '../../../../protocol/index.js';
import type { AgentLink } from '../../../../station/nodes/service.js';

/**
 * An in-memory unit agent for testing the station's volume logic (the lab tests use real
 * agents and tgtd). `failNext` makes the named method fail once, to exercise rollbacks.
 */
export class FakeUnit implements AgentLink {
  readonly volumes = new Map<string, StorageVolume>();
  readonly exports = new Map<string, ExportInfo & { secrets: string[] }>();
  failNext = new Set<AgentMethod>();
  calls: AgentMethod[] = [];

  constructor(private readonly freeBytes = 100 * 1024 ** 3) {}

  async call<M extends AgentMethod>(method: M, params: AgentParams<M>): Promise<AgentResult<M>> {
    this.calls.push(method);
    if (this.failNext.delete(method))
      throw new DvsanError('agent-error', `${method} failed (injected)`);
    const p = params as { id: string; sizeBytes: number; iqn: string };
    const result = ((): unknown => {
      switch (method) {
        case 'storage.inventory':
          return {
            pools: [
              {
                id: 'dir:/d',
                kind: 'directory',
                path: '/d',
                totalBytes: 2 * this.freeBytes,
                freeBytes: this.freeBytes,
              },
            ],
            volumes: [...this.volumes.values()],
          };
        case 'volume.create': {
          const v = {
            id: p.id,
            name: p.id,
            pool: 'dir:/d',
            sizeBytes: p.sizeBytes,
            allocatedBytes: 0,
            backing: `/d/volumes/${p.id}.img`,
            offset: 0,
            exported: false,
          };
          this.volumes.set(p.id, v);
          return v;
        }
        case 'volume.resize': {
          const v = { ...this.volumes.get(p.id)!, sizeBytes: p.sizeBytes };
          this.volumes.set(p.id, v);
          return v;
        }
        case 'volume.delete':
          return { deleted: this.volumes.delete(p.id) };
        case 'export.ensure': {
          const spec = params as AgentParams<'export.ensure'>;
          const info = {
            iqn: spec.iqn,
            backing: `/d/volumes/${spec.volumeId}.img`,
            sizeBytes: this.volumes.get(spec.volumeId)?.sizeBytes ?? 0,
            portal: spec.portal,
            acls: spec.acls.map((a) => ({
              initiatorIqn: a.initiatorIqn,
              chapUser: a.chap?.user ?? null,
              mutual: Boolean(a.chap?.mutualUser),
            })),
          };
          this.exports.set(spec.iqn, {
            ...info,
            secrets: spec.acls.flatMap((a) => [a.chap?.secret ?? '', a.chap?.mutualSecret ?? '']),
          });
          return info;
        }
        case 'export.remove':
          return { removed: this.exports.delete(p.iqn) };
        case 'export.list':
          return {
            backend: 'tgt',
            exports: [...this.exports.values()].map(({ secrets: _s, ...e }) => e),
          };
        default:
          throw new DvsanError('agent-error', `fake unit does not answer ${method}`);
      }
    })();
    return result as AgentResult<M>;
  }
}
