import { describe, expect, it } from 'vitest';
import {
  InvalidExportError,
  assertIqn,
  buildVolumeIqn,
  dvsanIqnPrefix,
  iqnProblem,
  isValidIqn,
  parseVolumeIqn,
} from '../../../../agents/targets/index.js';

describe('IQN validation (RFC 3720)', () => {
  it.each([
    'iqn.2026-11.io.dvsan:unit1.vol1',
    'iqn.1993-08.org.debian:01:2f4a9c3b7d1e',
    'iqn.1991-05.com.microsoft:host-7.example.com',
    'iqn.2003-01.org.linux-iscsi.san01.x8664:sn.1234abcd',
    'iqn.2026-11.io.dvsan',
    `iqn.2026-11.io.dvsan:${'a'.repeat(223 - dvsanIqnPrefix.length)}`,
  ])('accepts %s', (name) => {
    expect(iqnProblem(name)).toBeNull();
    expect(isValidIqn(name)).toBe(true);
    expect(() => assertIqn(name)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['iqn.2026-11.io.dvsan:Unit1.vol1', /uppercase/],
    ['IQN.2026-11.io.dvsan:u.v', /uppercase/],
    ['iqn.2026-11.io.dvsan:unit 1.vol1', /whitespace/],
    ['iqn.2026-11.io.dvsan:unit1.vol1\n', /whitespace/],
    ['iqn.2026-11.io.dvsan:unit_1.vol1', /character other than/],
    ['iqn.2026-11.io.dvsan:unit/1', /character other than/],
    ['iqn.2026-11.io.dvsan:ünit', /character other than/],
    ['eui.0123456789abcdef', /iqn\.yyyy-mm/],
    ['iqn.26-11.io.dvsan:x', /iqn\.yyyy-mm/],
    ['iqn.2026-13.io.dvsan:x', /month/],
    ['iqn.2026-00.io.dvsan:x', /month/],
    ['iqn.2026-11.:x', /naming authority/],
    ['iqn.2026-11.io..dvsan:x', /naming authority/],
    ['iqn.2026-11.-io.dvsan:x', /naming authority/],
    ['iqn.2026-11.io.dvsan:', /empty part/],
    [`iqn.2026-11.io.dvsan:${'a'.repeat(224 - dvsanIqnPrefix.length)}`, /223 bytes/],
  ])('rejects %j', (name, reason) => {
    expect(iqnProblem(name)).toMatch(reason);
    expect(isValidIqn(name)).toBe(false);
    const err = (() => {
      try {
        assertIqn(name, 'initiator IQN');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidExportError);
    expect((err as InvalidExportError).code).toBe('invalid-params');
    expect((err as InvalidExportError).message).toMatch(/^initiator IQN/);
  });

  it('rejects values that are not strings', () => {
    expect(iqnProblem(undefined)).toMatch(/not a string/);
    expect(iqnProblem(42)).toMatch(/not a string/);
  });
});

describe('dvsan volume IQNs', () => {
  it('builds iqn.2026-11.io.dvsan:<unit>.<volume> and parses it back', () => {
    const iqn = buildVolumeIqn('san01.lab', 'vol-7');
    expect(iqn).toBe('iqn.2026-11.io.dvsan:san01.lab.vol-7');
    expect(isValidIqn(iqn)).toBe(true);
    expect(parseVolumeIqn(iqn)).toEqual({ unit: 'san01.lab', volume: 'vol-7' });
  });

  it('refuses unit and volume names that would not survive the round trip', () => {
    expect(() => buildVolumeIqn('San01', 'v')).toThrow(InvalidExportError);
    expect(() => buildVolumeIqn('u', 'vol.7')).toThrow(/volume name/);
    expect(() => buildVolumeIqn('u', 'Vol')).toThrow(/volume name/);
    expect(() => buildVolumeIqn('u v', 'x')).toThrow(/unit name/);
    expect(() => buildVolumeIqn('u', 'x'.repeat(64))).toThrow(/volume name/);
    expect(() => buildVolumeIqn('u'.repeat(200), 'x'.repeat(20))).toThrow(/223 bytes/);
  });

  it('parses only dvsan names', () => {
    expect(parseVolumeIqn('iqn.1993-08.org.debian:01:abc')).toBeNull();
    expect(parseVolumeIqn('iqn.2026-11.io.dvsan:novolume')).toBeNull();
    expect(parseVolumeIqn('iqn.2026-11.io.dvsan:Unit.vol')).toBeNull();
  });
});
