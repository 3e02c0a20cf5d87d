import { DvsanError } from '../../protocol/errors.js';
import type { StorageVolume } from '../../protocol/storage.js';
import { volumeNameSchema } from '../../protocol/volumes.js';
import { firstLine, type CommandResult, type CommandRunner } from './command.js';
import { checkSize, checkVolumeId, describeBytes } from './ids.js';
import type { CreateOptions, VolumeBackend } from './index.js';
import { lvmByteCount, lvmReportArgs } from '../storage/lvm-report.js';

/** dvsan's LVs are `dvsan-<id>`; other LVs in the VG belong to someone else. */
export const lvNamePrefix = 'dvsan-';
/** A thin pool by this name makes new volumes thin; it is never a volume itself. */
export const thinPoolName = 'dvsan-thin';

/**
 * LVM's own rule for VG names, minus a leading dash, so a name can never read as an option.
 */
const vgNamePattern = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;

export function checkVgName(vg: string): string {
  if (!vgNamePattern.test(vg) || vg === '.' || vg === '..') {
    throw new DvsanError('invalid-params', `invalid volume group name ${JSON.stringify(vg)}`);
  }
  return vg;
}

export function lvName(id: string): string {
  return `${lvNamePrefix}${checkVolumeId(id)}`;
}

/**
 * `lvs` in bytes, as JSON. vg_extent_size tells how LVM rounds sizes, so asking again for the
 * size a volume was created with is recognised as the same size.
 */
export function lvsArgs(vg: string): string[] {
  return [
    ...lvmReportArgs,
    '-o',
    'lv_name,lv_size,data_percent,lv_path,pool_lv,vg_extent_size',
    checkVgName(vg),
  ];
}

/**
 * --yes: lvcreate asks before wiping an old signature it finds in the new LV's space; nobody
 * is there to answer, and a new volume must not carry an old filesystem's signature.
 */
export function lvcreateArgs(vg: string, id: string, sizeBytes: number, thin: boolean): string[] {
  const size = `${checkSize(sizeBytes)}b`;
  const name = lvName(id);
  return thin
    ? ['--yes', '-n', name, '-V', size, '--thinpool', thinPoolName, checkVgName(vg)]
    : ['--yes', '-n', name, '-L', size, checkVgName(vg)];
}

export function lvextendArgs(vg: string, id: string, sizeBytes: number): string[] {
  return ['-L', `${checkSize(sizeBytes)}b`, `${checkVgName(vg)}/${lvName(id)}`];
}

export function lvremoveArgs(vg: string, id: string): string[] {
  return ['-y', `${checkVgName(vg)}/${lvName(id)}`];
}

export interface LvsReport {
  volumes: StorageVolume[];
  /** Whether the VG holds the `dvsan-thin` thin pool. */
  thinPool: boolean;
  /** The VG's extent size, when any LV reported it. */
  extentBytes: number | null;
}

/** data_percent: "12.50" for thin LVs, "" for thick ones. */
function percent(value: unknown): number | null {
  const text =
    typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  return Math.min(Number(text), 100);
}

/**
 * Turns `lvs --reportformat json` output into the VG's dvsan volumes. LVs not named
 * `dvsan-<valid id>`, the thin pool, and entries with unreadable sizes are skipped.
 */
export function parseLvs(json: string, vg: string): LvsReport {
  const doc = JSON.parse(json) as { report?: unknown };
  const report: LvsReport = { volumes: [], thinPool: false, extentBytes: null };
  if (!Array.isArray(doc.report)) return report;
  for (const part of doc.report as { lv?: unknown }[]) {
    if (typeof part !== 'object' || part === null || !Array.isArray(part.lv)) continue;
    for (const lv of part.lv as Record<string, unknown>[]) {
      if (typeof lv !== 'object' || lv === null) continue;
      const name = typeof lv.lv_name === 'string' ? lv.lv_name.trim() : '';
      report.extentBytes ??= lvmByteCount(lv.vg_extent_size);
      if (name === thinPoolName) {
        report.thinPool = true;
        continue;
      }
      const id = name.slice(lvNamePrefix.length);
      const sizeBytes = lvmByteCount(lv.lv_size);
      if (!name.startsWith(lvNamePrefix) || !volumeNameSchema.safeParse(id).success) continue;
      if (sizeBytes === null || report.volumes.some((v) => v.id === id)) continue;
      const thin = typeof lv.pool_lv === 'string' && lv.pool_lv.trim() !== '';
      const used = thin ? percent(lv.data_percent) : null;
      const lvPath = typeof lv.lv_path === 'string' ? lv.lv_path.trim() : '';
      report.volumes.push({
        id,
        name: id,
        pool: `lvm:${vg}`,
        sizeBytes,
        // A thick LV owns all its extents; a thin one only the chunks written so far.
        allocatedBytes: thin ? Math.round((sizeBytes * (used ?? 0)) / 100) : sizeBytes,
        backing: lvPath !== '' ? lvPath : `/dev/${vg}/${name}`,
        offset: 0,
        exported: false,
      });
    }
  }
  return report;
}

/** LVM rounds sizes up to whole extents: a size that rounds to what exists is the same size. */
function sameSize(actual: number, requested: number, extentBytes: number | null): boolean {
  return actual === requested || (actual > requested && actual - requested < (extentBytes ?? 1));
}

/** Turns a failed LVM command into the error the station decides on. */
function lvmFailure(what: string, result: CommandResult): DvsanError {
  const why = firstLine(result.stderr) || firstLine(result.stdout) || `exit ${result.code}`;
  if (/insufficient free|not enough free|insufficient suitable/i.test(result.stderr)) {
    return new DvsanError('invalid-params', `not enough free space: ${why}`);
  }
  if (/already exists/i.test(result.stderr)) return new DvsanError('conflict', `${what}: ${why}`);
  return new DvsanError('agent-error', `${what} failed: ${why}`);
}

/**
 * Volumes as LVs `dvsan-<id>` in one VG: thin in the `dvsan-thin` pool when the VG has one
 * (unless preallocation is asked for), thick otherwise. Every command goes through `runner`
 * as an argv array.
 */
export class LvmVolumeBackend implements VolumeBackend {
  readonly kind = 'lvm' as const;
  readonly vg: string;
  readonly poolId: string;

  constructor(
    vg: string,
    private readonly runner: CommandRunner,
  ) {
    this.vg = checkVgName(vg);
    this.poolId = `lvm:${vg}`;
  }

  async report(): Promise<LvsReport> {
    const result = await this.runner('lvs', lvsArgs(this.vg));
    if (result.code !== 0) throw lvmFailure(`lvs ${this.vg}`, result);
    try {
      return parseLvs(result.stdout, this.vg);
    } catch {
      throw new DvsanError('agent-error', `lvs ${this.vg} printed something that is not JSON`);
    }
  }

  async list(): Promise<StorageVolume[]> {
    return (await this.report()).volumes;
  }

  async get(id: string): Promise<StorageVolume | null> {
    checkVolumeId(id);
    return (await this.list()).find((v) => v.id === id) ?? null;
  }

  async create(id: string, sizeBytes: number, options: CreateOptions): Promise<StorageVolume> {
    if (lvName(id) === thinPoolName) {
      throw new DvsanError('invalid-params', `volume id ${id} is reserved on LVM pools`);
    }
    checkSize(sizeBytes);
    const before = await this.report();
    const existing = before.volumes.find((v) => v.id === id);
    if (existing) {
      if (sameSize(existing.sizeBytes, sizeBytes, before.extentBytes)) return existing;
      throw new DvsanError(
        'conflict',
        `volume ${id} already exists with ${describeBytes(existing.sizeBytes)}, ` +
          `not ${describeBytes(sizeBytes)}`,
      );
    }
    // Preallocation means the space is guaranteed: a thick LV, even beside a thin pool.
    const thin = before.thinPool && !options.preallocate;
    const result = await this.runner('lvcreate', lvcreateArgs(this.vg, id, sizeBytes, thin));
    if (result.code !== 0) throw lvmFailure(`lvcreate ${this.vg}/${lvName(id)}`, result);
    return this.found(id, 'created');
  }

  async resize(id: string, sizeBytes: number): Promise<StorageVolume> {
    checkSize(sizeBytes);
    const before = await this.report();
    const current = before.volumes.find((v) => v.id === checkVolumeId(id));
    if (!current)
      throw new DvsanError('not-found', `volume ${id} not found in pool ${this.poolId}`);
    // lvextend refuses a size equal to the current one; asking again is not an error here.
    if (sameSize(current.sizeBytes, sizeBytes, before.extentBytes)) return current;
    if (sizeBytes < current.sizeBytes) {
      throw new DvsanError(
        'invalid-params',
        `volumes only grow: ${id} has ${describeBytes(current.sizeBytes)}, ` +
          `asked for ${describeBytes(sizeBytes)}`,
      );
    }
    const result = await this.runner('lvextend', lvextendArgs(this.vg, id, sizeBytes));
    if (result.code !== 0) throw lvmFailure(`lvextend ${this.vg}/${lvName(id)}`, result);
    return this.found(id, 'resized');
  }

  /** Idempotent: an LV already gone answers false. */
  async remove(id: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    const result = await this.runner('lvremove', lvremoveArgs(this.vg, id));
    if (result.code === 0) return true;
    if (/failed to find logical volume/i.test(result.stderr)) return false;
    throw lvmFailure(`lvremove ${this.vg}/${lvName(id)}`, result);
  }

  private async found(id: string, what: string): Promise<StorageVolume> {
    const volume = await this.get(id);
    if (!volume) throw new DvsanError('agent-error', `volume ${id} not listed after being ${what}`);
    return volume;
  }
}
