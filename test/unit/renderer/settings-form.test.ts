import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../protocol/pool.js';
import {
  downAfterText,
  fromSettings,
  isDirty,
  serverFieldErrors,
  toPatch,
  validate,
} from '../../../renderer/pages/settings/settings-form.js';

const current: Settings = {
  thresholds: { warningPct: 75, criticalPct: 90 },
  heartbeatSeconds: 5,
  missedHeartbeats: 3,
  requestPolicy: { autoGrantBytes: 0, hostQuotaBytes: null },
};

describe('settings form', () => {
  it('sends only what changed, thresholds as a pair', () => {
    const form = fromSettings(current);
    expect(isDirty(form, current)).toBe(false);
    expect(toPatch(form, current)).toEqual({});
    form.criticalPct = 95;
    expect(toPatch(form, current)).toEqual({ thresholds: { warningPct: 75, criticalPct: 95 } });
    form.missedHeartbeats = 5;
    expect(toPatch(form, current)).toEqual({
      thresholds: { warningPct: 75, criticalPct: 95 },
      missedHeartbeats: 5,
    });
  });

  it('validates with the station schema and words errors its way', () => {
    expect(validate(fromSettings(current))).toEqual({});
    const form = { ...fromSettings(current), warningPct: 95 };
    expect(validate(form)).toEqual({
      criticalPct: 'the warning threshold must be below the critical one',
    });
    const bad = validate({
      warningPct: 0,
      criticalPct: 101,
      heartbeatSeconds: 1.5,
      missedHeartbeats: 500,
    });
    expect(Object.keys(bad).sort()).toEqual([
      'criticalPct',
      'heartbeatSeconds',
      'missedHeartbeats',
      'warningPct',
    ]);
    expect(bad.warningPct).toMatch(/>=\s*1/);
  });

  it('asks for a number in an emptied field without blaming the other threshold', () => {
    const form = { ...fromSettings(current), warningPct: null, heartbeatSeconds: null };
    expect(validate(form)).toEqual({
      warningPct: 'enter a number',
      heartbeatSeconds: 'enter a number',
    });
    expect(validate({ ...fromSettings(current), warningPct: null, criticalPct: 1 })).toEqual({
      warningPct: 'enter a number',
    });
  });

  it('puts a server invalid-params error on its field', () => {
    expect(
      serverFieldErrors({
        name: 'DvsanError',
        code: 'invalid-params',
        message: 'thresholds.warningPct: Too small: expected number to be >=1',
        details: { field: 'thresholds.warningPct' },
      }),
    ).toEqual({ warningPct: 'Too small: expected number to be >=1' });
    expect(
      serverFieldErrors({
        name: 'DvsanError',
        code: 'invalid-params',
        message: 'thresholds: the warning threshold must be below the critical one',
        details: { field: 'thresholds' },
      }),
    ).toEqual({ criticalPct: 'the warning threshold must be below the critical one' });
    expect(serverFieldErrors({ name: 'DvsanError', code: 'internal', message: 'x' })).toEqual({});
  });

  it('says how long a silent node stays up', () => {
    expect(downAfterText(fromSettings(current))).toContain('about 15 s');
    expect(
      downAfterText({ ...fromSettings(current), heartbeatSeconds: 60, missedHeartbeats: 5 }),
    ).toContain('about 5 min');
    expect(downAfterText({ ...fromSettings(current), heartbeatSeconds: null })).toBeNull();
  });
});
