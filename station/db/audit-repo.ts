import type { Database } from './database.js';

export interface AuditEntry {
  at: string;
  user: string;
  action: string;
  target: string | null;
  /** Where the call came from: 'local', 'http', or 'station' for its own work. */
  source: string;
  result: 'ok' | 'failed';
  details: Record<string, unknown> | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

interface AuditRow {
  id: number;
  at: string;
  user: string;
  action: string;
  target: string | null;
  source: string;
  result: AuditEntry['result'];
  details_json: string | null;
}

const fromRow = (r: AuditRow): AuditRecord => ({
  id: r.id,
  at: r.at,
  user: r.user,
  action: r.action,
  target: r.target,
  source: r.source,
  result: r.result,
  details: r.details_json ? (JSON.parse(r.details_json) as Record<string, unknown>) : null,
});

/** Field names whose values are secrets (CHAP, passwords, keys, passphrases). */
const secretField = /secret|password|passphrase|chap|key|token|credential/i;

/** Drops every secret-looking field, at any depth: the audit log must never hold one. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !secretField.test(k))
        .map(([k, v]) => [k, redact(v)]),
    );
  }
  return value;
}

/** Who changed what, when, from where and with what outcome. */
export class AuditRepo {
  constructor(private readonly db: Database) {}

  async record(e: AuditEntry): Promise<void> {
    const details = e.details ? JSON.stringify(redact(e.details)) : null;
    await this.db.run(
      'INSERT INTO audit (at, user, action, target, source, result, details_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [e.at, e.user, e.action, e.target, e.source, e.result, details],
    );
  }

  /** Entries with from <= at < to, oldest first, after entry `afterId` (paging). */
  async list(
    period: { from: string; to: string },
    afterId = 0,
    limit = 500,
  ): Promise<AuditRecord[]> {
    const rows = await this.db.all<AuditRow>(
      'SELECT * FROM audit WHERE at >= ? AND at < ? AND id > ? ORDER BY id LIMIT ?',
      [period.from, period.to, afterId, limit],
    );
    return rows.map(fromRow);
  }
}

/** Calls that only read; every other StationApi call changes something and is audited. */
const readOnly = /\/(get|list|info|stats|inventory|sudoersRule)$/;

export type CallAudit = (
  method: string,
  params: unknown,
  call: { user: string; source: string },
  failed: { code: string; message: string } | null,
) => void;

/** The dispatcher's audit hook: one entry per changing call, secrets dropped from details. */
export function auditCalls(repo: AuditRepo, onError: (err: unknown) => void): CallAudit {
  return (method, params, call, failed) => {
    if (readOnly.test(method)) return;
    const p = (params ?? {}) as Record<string, unknown>;
    const target = [p.id, p.name, p.ids, p.kind].find((v) => v !== undefined);
    repo
      .record({
        at: new Date().toISOString(),
        user: call.user,
        action: method,
        target:
          target === undefined ? null : Array.isArray(target) ? target.join(' ') : String(target),
        source: call.source,
        result: failed ? 'failed' : 'ok',
        details: { params: p, ...(failed ? { error: failed.code } : {}) },
      })
      .catch(onError);
  };
}
