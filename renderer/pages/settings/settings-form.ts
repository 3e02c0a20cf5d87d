import type { ErrorShape } from '../../../protocol/errors.js';
import type { Settings } from '../../../protocol/pool.js';
import { stationApi, type Params } from '../../../protocol/station-api.js';

/** The settings form as the user fills it in; an emptied number field is null. */
export interface SettingsForm {
  warningPct: number | null;
  criticalPct: number | null;
  heartbeatSeconds: number | null;
  missedHeartbeats: number | null;
}

export type SettingsField = keyof SettingsForm;
export type FieldErrors = Partial<Record<SettingsField, string>>;

export function fromSettings(s: Settings): SettingsForm {
  return {
    warningPct: s.thresholds.warningPct,
    criticalPct: s.thresholds.criticalPct,
    heartbeatSeconds: s.heartbeatSeconds,
    missedHeartbeats: s.missedHeartbeats,
  };
}

/**
 * Only what differs from the station's current settings, so saving one field does not
 * overwrite another someone changed meanwhile. The thresholds travel as a pair: the schema
 * checks one against the other.
 */
export function toPatch(form: SettingsForm, current: Settings): Params<'settings/update'> {
  const patch: Params<'settings/update'> = {};
  if (
    form.warningPct !== current.thresholds.warningPct ||
    form.criticalPct !== current.thresholds.criticalPct
  ) {
    patch.thresholds = { warningPct: form.warningPct ?? NaN, criticalPct: form.criticalPct ?? NaN };
  }
  if (form.heartbeatSeconds !== current.heartbeatSeconds)
    patch.heartbeatSeconds = form.heartbeatSeconds ?? NaN;
  if (form.missedHeartbeats !== current.missedHeartbeats)
    patch.missedHeartbeats = form.missedHeartbeats ?? NaN;
  return patch;
}

export function isDirty(form: SettingsForm, current: Settings): boolean {
  return Object.keys(toPatch(form, current)).length > 0;
}

/** Maps a schema issue path ("thresholds.warningPct") to the field that shows it. */
export function fieldOf(path: readonly PropertyKey[]): SettingsField | null {
  const [first, second] = path.map(String);
  if (first === 'thresholds') return second === 'warningPct' ? 'warningPct' : 'criticalPct';
  if (first === 'heartbeatSeconds' || first === 'missedHeartbeats') return first;
  return null;
}

function issuesToFields(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (field) errors[field] ??= issue.message;
  }
  return errors;
}

/**
 * Validates every field with the very schema the station uses, so the messages match the
 * server's. An empty field gets a plain "enter a number" instead of zod's NaN wording.
 */
export function validate(form: SettingsForm): FieldErrors {
  const full: Params<'settings/update'> = {
    // Stand-ins for empty fields, valid on their own; the pair check is skipped below.
    thresholds: { warningPct: form.warningPct ?? 1, criticalPct: form.criticalPct ?? 100 },
    heartbeatSeconds: form.heartbeatSeconds ?? 1,
    missedHeartbeats: form.missedHeartbeats ?? 1,
  };
  const result = stationApi['settings/update'].params.safeParse(full);
  const pairComplete = form.warningPct !== null && form.criticalPct !== null;
  const issues = result.success
    ? []
    : result.error.issues.filter(
        (i) => pairComplete || !(i.path.length === 1 && i.path[0] === 'thresholds'),
      );
  const errors = issuesToFields(issues);
  for (const key of Object.keys(form) as SettingsField[]) {
    if (form[key] === null) errors[key] = 'enter a number';
  }
  return errors;
}

/**
 * Field messages from a server 'invalid-params' error: the station names the first bad field
 * in `details.field` and words the message "<field>: <schema message>".
 */
export function serverFieldErrors(error: ErrorShape): FieldErrors {
  const field = error.details?.field;
  if (typeof field !== 'string') return {};
  const prefix = `${field}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return issuesToFields([{ path: field.split('.'), message }]);
}

/** How long a unit stays up without a heartbeat, in words. */
export function downAfterText(form: SettingsForm): string | null {
  if (!form.heartbeatSeconds || !form.missedHeartbeats) return null;
  const seconds = form.heartbeatSeconds * form.missedHeartbeats;
  const time = seconds >= 120 ? `${Math.round((seconds / 60) * 10) / 10} min` : `${seconds} s`;
  return `A node is marked down after ${form.missedHeartbeats} missed heartbeat${form.missedHeartbeats === 1 ? '' : 's'}: about ${time} without a word from it.`;
}
