// The volume dialogs' forms: what the user types -> StationApi params, validated with the very
// schemas the station uses so the messages match the server's.
import type { ErrorCode, ErrorShape } from '../../../protocol/errors.js';
import type { PoolUnit } from '../../../protocol/pool.js';
import { stationApi, type Params } from '../../../protocol/station-api.js';
import { iqnSchema, type VolumeView } from '../../../protocol/volumes.js';
import { errorTitle } from '../../error-text.js';
import { formatBytes, parseSize, type SizeUnit } from '../../format.js';

export const sizeHint = 'enter a size such as 20 or 1.5 in the unit picked, or 512 MiB, 2 TiB';

export interface CreateVolumeForm {
  name: string;
  /** As typed: a number in `unit`, or a number with its own suffix ("512 MiB"). */
  size: string;
  unit: SizeUnit;
  /** A unit picked by the admin; null lets the station's allocator choose. */
  unitId: string | null;
  placement: 'most-free' | 'spread';
  shared: boolean;
  preallocate: boolean;
}

export type CreateField = 'name' | 'size' | 'unitId';
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export function emptyCreateForm(): CreateVolumeForm {
  return {
    name: '',
    size: '',
    unit: 'GiB',
    unitId: null,
    placement: 'most-free',
    shared: false,
    preallocate: false,
  };
}

/** Null when the size cannot be read; validate() says why. */
export function toCreateParams(form: CreateVolumeForm): Params<'volume/create'> | null {
  const sizeBytes = parseSize(form.size, form.unit);
  if (sizeBytes === null) return null;
  return {
    name: form.name.trim(),
    sizeBytes,
    // A picked unit makes the placement moot; the station ignores it then.
    ...(form.unitId ? { unitId: form.unitId } : { placement: form.placement }),
    shared: form.shared,
    preallocate: form.preallocate,
  };
}

/** The first message per field; an empty object means the form can be sent. */
export function validateCreate(form: CreateVolumeForm): FieldErrors<CreateField> {
  const errors: FieldErrors<CreateField> = {};
  const sizeBytes = parseSize(form.size, form.unit);
  const params = {
    name: form.name.trim(),
    // 1 MiB stands in for an unreadable size so the schema still checks the other fields.
    sizeBytes: sizeBytes ?? 1024 * 1024,
    ...(form.unitId ? { unitId: form.unitId } : {}),
  };
  const result = stationApi['volume/create'].params.safeParse(params);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = fieldOf(issue.path);
      errors[field] ??= issue.message;
    }
  }
  if (sizeBytes === null) errors.size = form.size.trim() ? sizeHint : 'enter a size';
  return errors;
}

function fieldOf(path: readonly PropertyKey[]): CreateField {
  const first = String(path[0]);
  if (first === 'sizeBytes') return 'size';
  if (first === 'unitId') return 'unitId';
  return 'name';
}

/**
 * A field message from a server 'invalid-params' error that names its field in
 * `details.field` ("sizeBytes: a volume is at least 1 MiB"); null when it names none.
 */
export function serverCreateFieldErrors(error: ErrorShape): FieldErrors<CreateField> {
  const field = error.details?.field;
  if (error.code !== 'invalid-params' || typeof field !== 'string') return {};
  const prefix = `${field}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { [fieldOf(field.split('.'))]: message };
}

/** Free space a new volume can use on a unit: its largest directory pool, as the allocator. */
export function unitFreeBytes(unit: PoolUnit): number {
  const dirs = unit.pools.filter((p) => p.kind === 'directory');
  return dirs.length ? Math.max(...dirs.map((p) => p.freeBytes)) : unit.freeBytes;
}

// A type alias, not an interface, so it fits naive-ui's index-signed SelectOption.
export type UnitOption = { label: string; value: string; disabled: boolean };

/**
 * The units a volume may be put on by hand: up and not spare, each with its free space;
 * one too small for the size typed so far is shown but cannot be picked.
 */
export function unitOptions(units: readonly PoolUnit[], sizeBytes: number | null): UnitOption[] {
  return units
    .filter((u) => u.health === 'up' && !u.spare)
    .map((u) => {
      const free = unitFreeBytes(u);
      const tooSmall = sizeBytes !== null && free < sizeBytes;
      return {
        label: `${u.name} — ${formatBytes(free)} free${tooSmall ? ' (too small)' : ''}`,
        value: u.nodeId,
        disabled: tooSmall,
      };
    });
}

/** The new size in bytes, or why it cannot be used. Volumes only grow. */
export function validateResize(
  volume: Pick<VolumeView, 'name' | 'sizeBytes'>,
  size: string,
  unit: SizeUnit,
): { sizeBytes: number } | { error: string } {
  const sizeBytes = parseSize(size, unit);
  if (sizeBytes === null) return { error: size.trim() ? sizeHint : 'enter the new size' };
  if (sizeBytes === volume.sizeBytes) return { error: `that is its size now: enter a larger one` };
  if (sizeBytes < volume.sizeBytes)
    return {
      error: `volumes only grow: ${volume.name} is ${formatBytes(volume.sizeBytes)}, enter more`,
    };
  const result = stationApi['volume/resize'].params.safeParse({ id: 'x', sizeBytes });
  if (!result.success) return { error: result.error.issues[0]!.message };
  return { sizeBytes };
}

/** The initiator IQN to export to, or why it cannot be used. */
export function validateExport(
  volume: Pick<VolumeView, 'exports'>,
  initiatorIqn: string,
): { initiatorIqn: string } | { error: string } {
  const iqn = initiatorIqn.trim();
  if (!iqn) return { error: 'enter the host initiator name (iqn.…)' };
  const result = iqnSchema.safeParse(iqn);
  if (!result.success) return { error: result.error.issues[0]!.message };
  if (volume.exports.some((e) => e.initiatorIqn === iqn))
    return { error: 'the volume is already exported to this initiator' };
  return { initiatorIqn: iqn };
}

/**
 * Why a second export will be refused, for a warning shown before the station says it:
 * a volume that is not shared goes to one host at a time. Null when nothing stands in the way.
 */
export function exportBlocker(volume: Pick<VolumeView, 'shared' | 'exports'>): string | null {
  if (volume.shared || volume.exports.length === 0) return null;
  const first = volume.exports[0]!;
  return `Already exported to ${first.hostName ?? first.initiatorIqn} and not shared: the station refuses a second host until it is unexported there.`;
}

/** A delete of an exported volume is forced and must be confirmed by typing the name. */
export function deleteNeedsName(volume: Pick<VolumeView, 'exports'>): boolean {
  return volume.exports.length > 0;
}

export function deleteConfirmed(volume: Pick<VolumeView, 'name' | 'exports'>, typed: string) {
  return !deleteNeedsName(volume) || typed.trim() === volume.name;
}

/**
 * Headlines for errors in the volume dialogs. The shared table words 'conflict' as
 * "Already exists", which misleads when the station refuses an export or a delete of a
 * volume in use, or a unit that is down; the station's message carries the specifics.
 */
export function volumeErrorTitle(code: ErrorCode): string {
  return code === 'conflict' ? 'Refused' : errorTitle(code);
}
