import { isStationMethod } from '../../protocol/index.js';
import type { AuditEntry, CallAudit } from '../db/audit-repo.js';
import { methodAccess } from './policy.js';

/** Passes on only calls that may change something: reads (like `session/me`) are not audited. */
export function auditChanges(audit: CallAudit): CallAudit {
  return (method, params, call, failed) => {
    if (isStationMethod(method) && methodAccess[method] === 'read') return;
    audit(method, params, call, failed);
  };
}

/** Where a login or logout is written: the audit log. */
export type RecordAudit = (entry: AuditEntry) => void;

export function loginEntry(
  action: 'session/login' | 'session/logout',
  user: string,
  source: string,
  failure: string | null,
): AuditEntry {
  return {
    at: new Date().toISOString(),
    user,
    action,
    target: user,
    source,
    result: failure ? 'failed' : 'ok',
    details: failure ? { error: failure } : null,
  };
}
