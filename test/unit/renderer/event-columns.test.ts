import { describe, expect, it } from 'vitest';
import { announceRejections } from '../../../protocol/announce.js';
import { healthHint } from '../../../renderer/components/status.js';
import {
  countBySeverity,
  detailLines,
  filterEvents,
  rejectionText,
} from '../../../renderer/pages/events/event-columns.js';
import { eventRecord } from './fixtures.js';

describe('event list helpers', () => {
  const events = [
    eventRecord(1),
    eventRecord(2, { severity: 'warning' }),
    eventRecord(3, { severity: 'critical' }),
    eventRecord(4, { severity: 'critical' }),
  ];

  it('filters and counts by severity', () => {
    expect(filterEvents(events, ['critical']).map((e) => e.id)).toEqual([3, 4]);
    expect(filterEvents(events, []).length).toBe(0);
    expect(countBySeverity(events)).toEqual({ info: 1, warning: 1, critical: 2 });
  });

  it('turns details into readable lines', () => {
    expect(detailLines(null)).toEqual([]);
    expect(detailLines({ reason: 'signature', volumes: ['a', 'b'], count: 3 })).toEqual([
      'reason: signature',
      'volumes: ["a","b"]',
      'count: 3',
    ]);
  });

  it('has words for every announce rejection reason', () => {
    for (const reason of announceRejections) expect(rejectionText[reason]).toBeTruthy();
  });
});

describe('healthHint', () => {
  it('says when the station last heard from the node', () => {
    const at = new Date(2025, 10, 25, 14, 3, 7).toISOString();
    expect(healthHint('down', at)).toBe(
      'down since 2025-11-25 14:03:07, when the station last heard from it',
    );
    expect(healthHint('up', at)).toBe('up, last heard from 2025-11-25 14:03:07');
    expect(healthHint('down', null)).toBe('down');
    expect(healthHint('unknown', null)).toMatch(/^unknown/);
  });
});
