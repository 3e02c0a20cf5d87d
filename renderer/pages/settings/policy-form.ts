// The host-request policy fields of the Settings page: sizes typed like "20G", checked with
// the station's schema. Kept apart from settings-form.ts, whose fields are plain numbers.
import type { RequestPolicy } from '../../../protocol/hosts.js';
import { requestPolicySchema } from '../../../protocol/hosts.js';
import { formatBytes, parseSize } from '../../format.js';

export interface PolicyForm {
  /** "0" (or empty) sends every request to an administrator. */
  autoGrant: string;
  /** Empty: no limit. */
  hostQuota: string;
}

export type PolicyField = keyof PolicyForm;
export type PolicyErrors = Partial<Record<PolicyField, string>>;

const sizeHint = 'enter a size such as 20G, 512M or 1.5T';

export function fromPolicy(p: RequestPolicy): PolicyForm {
  // formatBytes' "20 GiB" reads back through parseSize, so a saved value shows as typed.
  return {
    autoGrant: p.autoGrantBytes === 0 ? '0' : formatBytes(p.autoGrantBytes),
    hostQuota: p.hostQuotaBytes === null ? '' : formatBytes(p.hostQuotaBytes),
  };
}

/** Bytes from what was typed (a bare number is GiB; zero is 0), null when empty. */
function readSize(text: string): number | null | { error: string } {
  const t = text.trim();
  if (t === '') return null;
  if (/^0*(\.0*)?\s*([kmgt](i?b)?|b)?$/i.test(t)) return 0;
  return parseSize(t, 'GiB') ?? { error: sizeHint };
}

/** The policy to send, or the message per field that stops it. */
export function toPolicy(form: PolicyForm): { policy: RequestPolicy } | { errors: PolicyErrors } {
  const errors: PolicyErrors = {};
  const autoGrant = readSize(form.autoGrant) ?? 0;
  const quota = readSize(form.hostQuota);
  if (typeof autoGrant === 'object') errors.autoGrant = autoGrant.error;
  if (quota !== null && typeof quota === 'object') errors.hostQuota = quota.error;
  if (typeof autoGrant === 'object' || (quota !== null && typeof quota === 'object'))
    return { errors };
  const result = requestPolicySchema.safeParse({
    autoGrantBytes: autoGrant,
    hostQuotaBytes: quota,
  });
  if (result.success) return { policy: result.data };
  for (const issue of result.error.issues) {
    if (issue.path[0] === 'hostQuotaBytes')
      errors.hostQuota ??= 'a quota must be above 0: leave it empty for no limit';
    else errors.autoGrant ??= issue.message;
  }
  return { errors };
}

/** The policy when it differs from the station's, else null (nothing to send). */
export function policyPatch(form: PolicyForm, current: RequestPolicy): RequestPolicy | null {
  const read = toPolicy(form);
  if (!('policy' in read)) return null;
  const p = read.policy;
  return p.autoGrantBytes === current.autoGrantBytes && p.hostQuotaBytes === current.hostQuotaBytes
    ? null
    : p;
}

/** Changed from the station's values, readable or not (an unreadable edit is still an edit). */
export function policyDirty(form: PolicyForm, current: RequestPolicy): boolean {
  const saved = fromPolicy(current);
  if (form.autoGrant.trim() === saved.autoGrant && form.hostQuota.trim() === saved.hostQuota)
    return false;
  return 'errors' in toPolicy(form) || policyPatch(form, current) !== null;
}

/** What the policy does, in one sentence under the fields. */
export function policyText(form: PolicyForm): string | null {
  const read = toPolicy(form);
  if (!('policy' in read)) return null;
  const { autoGrantBytes, hostQuotaBytes } = read.policy;
  const grant =
    autoGrantBytes === 0
      ? 'Every request waits for an administrator on the Hosts page'
      : `Requests up to ${formatBytes(autoGrantBytes)} are granted at once; larger ones wait for an administrator`;
  const quota =
    hostQuotaBytes === null
      ? 'no host has a limit.'
      : `a host may hold at most ${formatBytes(hostQuotaBytes)} (requests over it are denied).`;
  return `${grant}; ${quota}`;
}
