import { DvsanError } from '../../protocol/index.js';
import type { Period } from './types.js';

const week = 7 * 24 * 3600_000;

/**
 * The period a report covers: by default the seven days before `to`, which defaults to now.
 * An end past now is cut at now (there is nothing there yet); a start past now or a start
 * not before the end is a mistake the caller must fix.
 */
export function resolvePeriod(from: string | undefined, to: string | undefined, now: Date): Period {
  const end = Math.min(to ? Date.parse(to) : now.getTime(), now.getTime());
  const start = from ? Date.parse(from) : end - week;
  if (start > now.getTime())
    throw new DvsanError(
      'invalid-params',
      `the period starts in the future (${new Date(start).toISOString()}): pick a start before now`,
      { field: 'from' },
    );
  if (start >= end)
    throw new DvsanError(
      'invalid-params',
      `the period is empty: its start (${new Date(start).toISOString()}) must be before its end (${new Date(end).toISOString()})`,
      { field: 'from' },
    );
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}
