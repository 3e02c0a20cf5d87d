import { describe, expect, it } from 'vitest';
import { lastDays, periodProblem } from '../../../renderer/pages/reports/report-form.js';

const now = Date.parse('2026-11-20T12:00:00Z');

describe('report form', () => {
  it('offers the last days up to now', () => {
    expect(lastDays(7, now)).toEqual([now - 7 * 86_400_000, now]);
  });

  it('says what is wrong with a period before the station is asked', () => {
    expect(periodProblem(lastDays(7, now), now)).toBeNull();
    expect(periodProblem(null, now)).toBeNull();
    expect(periodProblem([now + 1000, now + 2000], now)).toMatch(/starts in the future/);
    expect(periodProblem([now - 1000, now - 1000], now)).toMatch(/empty/);
  });
});
