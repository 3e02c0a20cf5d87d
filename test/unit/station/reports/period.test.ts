import { describe, expect, it } from 'vitest';
import { resolvePeriod } from '../../../../station/reports/period.js';

const now = new Date('2026-11-20T12:00:00.000Z');

describe('report period', () => {
  it('defaults to the seven days before now', () => {
    expect(resolvePeriod(undefined, undefined, now)).toEqual({
      from: '2026-11-13T12:00:00.000Z',
      to: '2026-11-20T12:00:00.000Z',
    });
  });

  it('cuts an end past now at now', () => {
    expect(resolvePeriod('2026-11-19T00:00:00Z', '2027-01-01T00:00:00Z', now).to).toBe(
      now.toISOString(),
    );
  });

  it('refuses a start in the future and an empty period', () => {
    expect(() => resolvePeriod('2026-11-21T00:00:00Z', undefined, now)).toThrow(/future/);
    expect(() => resolvePeriod('2026-11-19T00:00:00Z', '2026-11-18T00:00:00Z', now)).toThrow(
      /empty/,
    );
  });
});
