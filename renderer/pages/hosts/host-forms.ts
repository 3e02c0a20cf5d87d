// The attach and assign dialogs' forms: what the user picks -> StationApi params, checked with
// the very schemas the station uses, plus the one rule the station checks outside them (a
// mount point needs a filesystem), so a bad form is caught before anything starts.
import type { ErrorShape } from '../../../protocol/errors.js';
import type { AttachmentView, Filesystem, HostView } from '../../../protocol/hosts.js';
import { stationApi, type Params } from '../../../protocol/station-api.js';
import type { VolumeView } from '../../../protocol/volumes.js';
import { formatBytes, parseSize, type SizeUnit } from '../../format.js';
import { sizeHint } from '../volumes/volume-forms.js';

/** 'none' attaches the block device alone: nothing formatted, nothing mounted. */
export type FilesystemChoice = Filesystem | 'none';

export const sharedMountWarning =
  'a non-cluster filesystem (ext4, xfs) must never be mounted on two hosts at once: ' +
  'both write their own idea of it and the data is lost';

interface MountFields {
  readOnly: boolean;
  filesystem: FilesystemChoice;
  mountPoint: string;
}

export interface AttachForm extends MountFields {
  volumeId: string | null;
}

export interface AssignForm extends MountFields {
  name: string;
  size: string;
  unit: SizeUnit;
  /** Null lets the station's allocator choose. */
  unitId: string | null;
  /** Two volumes on two units, mirrored by md RAID1 on the host. */
  mirrored: boolean;
}

export type AttachField = 'volumeId' | 'filesystem' | 'mountPoint';
export type AssignField = 'name' | 'size' | 'unitId' | 'filesystem' | 'mountPoint';
type FieldErrors<F extends string> = Partial<Record<F, string>>;

export function emptyAttachForm(): AttachForm {
  return { volumeId: null, readOnly: false, filesystem: 'none', mountPoint: '' };
}

export function emptyAssignForm(): AssignForm {
  return {
    name: '',
    size: '',
    unit: 'GiB',
    unitId: null,
    mirrored: false,
    readOnly: false,
    filesystem: 'ext4',
    mountPoint: '',
  };
}

function mountParams(form: MountFields) {
  const mountPoint = form.mountPoint.trim();
  return {
    readOnly: form.readOnly,
    ...(form.filesystem === 'none' ? {} : { filesystem: form.filesystem }),
    ...(mountPoint ? { mountPoint } : {}),
  };
}

export function toAttachParams(form: AttachForm, hostId: string): Params<'host/attach'> | null {
  if (!form.volumeId) return null;
  return { volumeId: form.volumeId, hostId, ...mountParams(form) };
}

/** Null when the size cannot be read; validateAssign() says why. */
export function toAssignParams(form: AssignForm, hostId: string): Params<'host/assign'> | null {
  const sizeBytes = parseSize(form.size, form.unit);
  if (sizeBytes === null) return null;
  const name = form.name.trim();
  return {
    hostId,
    sizeBytes,
    ...(name ? { name } : {}),
    ...(form.unitId ? { unitId: form.unitId } : {}),
    ...(form.mirrored ? { mirrored: true } : {}),
    ...mountParams(form),
  };
}

function fieldOf<F extends string>(path: readonly PropertyKey[], fields: readonly F[]): F | null {
  const first = String(path[0]);
  const field = first === 'sizeBytes' ? 'size' : first;
  return (fields as readonly string[]).includes(field) ? (field as F) : null;
}

/** The station's own rule, outside the schema: only a filesystem can be mounted. */
function mountNeedsFilesystem(form: MountFields): string | null {
  return form.mountPoint.trim() && form.filesystem === 'none'
    ? 'pick ext4 or xfs to mount it: a raw block device cannot be mounted'
    : null;
}

export const attachFields: readonly AttachField[] = ['volumeId', 'filesystem', 'mountPoint'];
export const assignFields: readonly AssignField[] = [
  'name',
  'size',
  'unitId',
  'filesystem',
  'mountPoint',
];

/** The first message per field; an empty object means the form can be sent. */
export function validateAttach(form: AttachForm): FieldErrors<AttachField> {
  const errors: FieldErrors<AttachField> = {};
  const params = { volumeId: form.volumeId ?? 'x', hostId: 'x', ...mountParams(form) };
  const result = stationApi['host/attach'].params.safeParse(params);
  for (const issue of result.success ? [] : result.error.issues) {
    const field = fieldOf(issue.path, attachFields);
    if (field) errors[field] ??= issue.message;
  }
  if (!form.volumeId) errors.volumeId = 'pick a volume';
  const fs = mountNeedsFilesystem(form);
  if (fs) errors.filesystem ??= fs;
  return errors;
}

export function validateAssign(form: AssignForm): FieldErrors<AssignField> {
  const errors: FieldErrors<AssignField> = {};
  const sizeBytes = parseSize(form.size, form.unit);
  const name = form.name.trim();
  const params = {
    hostId: 'x',
    // 1 MiB stands in for an unreadable size so the schema still checks the other fields.
    sizeBytes: sizeBytes ?? 1024 * 1024,
    ...(name ? { name } : {}),
    ...(form.unitId ? { unitId: form.unitId } : {}),
    ...mountParams(form),
  };
  const result = stationApi['host/assign'].params.safeParse(params);
  for (const issue of result.success ? [] : result.error.issues) {
    const field = fieldOf(issue.path, assignFields);
    if (field) errors[field] ??= issue.message;
  }
  if (sizeBytes === null) errors.size = form.size.trim() ? sizeHint : 'enter a size';
  const fs = mountNeedsFilesystem(form);
  if (fs) errors.filesystem ??= fs;
  return errors;
}

/**
 * A field message from a server 'invalid-params' error that names its field in
 * `details.field`; the station's refusals of other kinds stay in the dialog's alert.
 */
export function serverFieldError<F extends string>(
  error: ErrorShape,
  fields: readonly F[],
): FieldErrors<F> {
  const field = error.details?.field;
  if (error.code !== 'invalid-params' || typeof field !== 'string') return {};
  const target = fieldOf(field.split('.'), fields);
  if (!target) return {};
  const prefix = `${field}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { [target]: message } as FieldErrors<F>;
}

/** Where each volume is attached now: volume id -> its attachments on every host. */
export function attachmentsByVolume(hosts: readonly HostView[]): Map<string, AttachmentView[]> {
  const map = new Map<string, AttachmentView[]>();
  for (const host of hosts)
    for (const a of host.attachments) {
      const list = map.get(a.volumeId);
      if (list) list.push(a);
      else map.set(a.volumeId, [a]);
    }
  return map;
}

// A type alias, not an interface, so it fits naive-ui's index-signed SelectOption.
export type VolumeOption = {
  label: string;
  value: string;
  disabled: boolean;
  /** Attached to other hosts already, which a shared volume allows. */
  sharedWith: string[];
};

/**
 * The volumes a host may attach: every one attached nowhere, and shared ones attached
 * elsewhere (marked, for the warning). A volume already on this host, or on another while not
 * shared, is listed but cannot be picked, with the reason in its label. Free ones first.
 */
export function volumeOptions(
  volumes: readonly VolumeView[],
  attached: ReadonlyMap<string, readonly AttachmentView[]>,
  hostId: string,
): VolumeOption[] {
  const options = volumes.map((v) => {
    const on = attached.get(v.id) ?? [];
    const base = `${v.name} — ${formatBytes(v.sizeBytes)} on ${v.unitName}`;
    const others = on.filter((a) => a.hostId !== hostId).map((a) => a.hostName);
    if (on.some((a) => a.hostId === hostId))
      return { label: `${base} (attached here)`, value: v.id, disabled: true, sharedWith: [] };
    if (others.length && !v.shared)
      return {
        label: `${base} (attached to ${others.join(', ')}, not shared)`,
        value: v.id,
        disabled: true,
        sharedWith: [],
      };
    const label = others.length ? `${base} (shared, on ${others.join(', ')})` : base;
    return { label, value: v.id, disabled: false, sharedWith: others };
  });
  const rank = (o: VolumeOption) => (o.disabled ? 2 : o.sharedWith.length ? 1 : 0);
  return options.sort((a, b) => rank(a) - rank(b));
}
