import { type AuditRecord, AuditRepo } from '../../db/audit-repo.js';
import { paged } from '../paged.js';
import type { ReportDefinition } from '../types.js';

/** Who changed what in the period, from where, and how it ended. */
export const auditReport: ReportDefinition = {
  kind: 'audit',
  title: 'Audit log',
  periodic: true,
  async build({ db, period }) {
    const repo = new AuditRepo(db);
    const totals = await db.get<{ entries: number; failed: number | null }>(
      `SELECT count(*) AS entries, sum(result = 'failed') AS failed FROM audit
       WHERE at >= ? AND at < ?`,
      [period.from, period.to],
    );
    return {
      summary: [
        { key: 'entries', label: 'Entries', value: totals?.entries ?? 0, type: 'number' },
        { key: 'failed', label: 'Failed', value: totals?.failed ?? 0, type: 'number' },
      ],
      charts: [],
      tables: [
        {
          name: 'audit',
          title: 'Audit log',
          columns: [
            { key: 'at', label: 'At', type: 'time' },
            { key: 'user', label: 'User' },
            { key: 'source', label: 'From' },
            { key: 'action', label: 'Action' },
            { key: 'target', label: 'Target' },
            { key: 'result', label: 'Result' },
            { key: 'details', label: 'Details' },
          ],
          rows: async function* () {
            const all = paged<AuditRecord>((after, limit) =>
              repo.list(period, after?.id ?? 0, limit),
            );
            for await (const a of all)
              yield {
                at: a.at,
                user: a.user,
                source: a.source,
                action: a.action,
                target: a.target ?? '',
                result: a.result,
                details: a.details ? JSON.stringify(a.details) : '',
              };
          },
        },
      ],
    };
  },
};
