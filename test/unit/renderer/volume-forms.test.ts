import { describe, expect, it } from 'vitest';
import { stationApi } from '../../../protocol/station-api.js';
import { iqnSchema, volumeNameSchema } from '../../../protocol/volumes.js';
import { parseSize, sizeFieldValue } from '../../../renderer/format.js';
import {
  deleteConfirmed,
  deleteNeedsName,
  emptyCreateForm,
  exportBlocker,
  serverCreateFieldErrors,
  sizeHint,
  toCreateParams,
  unitOptions,
  validateCreate,
  validateExport,
  validateResize,
  volumeErrorTitle,
} from '../../../renderer/pages/volumes/volume-forms.js';
import { unit } from './fixtures.js';
import { bareExport, hostExport, volume } from './volume-fixtures.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const schemaMessage = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues[0]?.message;

describe('size parsing', () => {
  it('reads a bare number in the unit picked', () => {
    expect(parseSize('20', 'GiB')).toBe(20 * GiB);
    expect(parseSize('12.5')).toBe(12.5 * GiB);
    expect(parseSize(' 512 ', 'MiB')).toBe(512 * MiB);
    expect(parseSize('1.5', 'TiB')).toBe(1.5 * TiB);
    expect(parseSize('.5', 'GiB')).toBe(GiB / 2);
  });

  it('lets a binary suffix win over the picker', () => {
    expect(parseSize('512M', 'TiB')).toBe(512 * MiB);
    expect(parseSize('512 MiB', 'GiB')).toBe(512 * MiB);
    expect(parseSize('2 TiB', 'MiB')).toBe(2 * TiB);
    expect(parseSize('1.5t')).toBe(1.5 * TiB);
    expect(parseSize('3gi')).toBe(3 * GiB);
    expect(parseSize('64k')).toBe(64 * 1024);
    expect(parseSize('4096 B', 'GiB')).toBe(4096);
  });

  it('rounds to whole bytes and refuses what is not a positive size', () => {
    expect(parseSize('1.1', 'GiB')).toBe(Math.round(1.1 * GiB));
    for (const bad of [
      '',
      '  ',
      'abc',
      '-5',
      '0',
      '0.0',
      '1e3',
      '10 GB',
      '10 gb',
      '1,5',
      '5 XiB',
      '2 2',
    ])
      expect(parseSize(bad, 'GiB'), bad).toBeNull();
    expect(parseSize('99999999', 'TiB')).toBeNull(); // past 2^53 bytes
  });

  it('shows a size in the unit that reads best', () => {
    expect(sizeFieldValue(20 * GiB)).toEqual({ amount: '20', unit: 'GiB' });
    expect(sizeFieldValue(1.5 * GiB)).toEqual({ amount: '1.5', unit: 'GiB' });
    expect(sizeFieldValue(512 * MiB)).toEqual({ amount: '512', unit: 'MiB' });
    expect(sizeFieldValue(3 * TiB)).toEqual({ amount: '3', unit: 'TiB' });
    const { amount, unit: u } = sizeFieldValue(20.5 * GiB);
    expect(parseSize(amount, u)).toBe(20.5 * GiB);
  });
});

describe('create volume form', () => {
  it('turns a valid form into volume/create params the station accepts', () => {
    const form = { ...emptyCreateForm(), name: ' db-01 ', size: '20' };
    expect(validateCreate(form)).toEqual({});
    const params = toCreateParams(form)!;
    expect(params).toEqual({
      name: 'db-01',
      sizeBytes: 20 * GiB,
      placement: 'most-free',
      shared: false,
      preallocate: false,
    });
    expect(stationApi['volume/create'].params.safeParse(params).success).toBe(true);
  });

  it('sends the unit when one is picked, the placement otherwise', () => {
    const picked = toCreateParams({
      ...emptyCreateForm(),
      name: 'a',
      size: '1',
      unitId: 'u3',
      placement: 'spread',
      shared: true,
      preallocate: true,
    });
    expect(picked).toEqual({
      name: 'a',
      sizeBytes: GiB,
      unitId: 'u3',
      shared: true,
      preallocate: true,
    });
    const spread = toCreateParams({
      ...emptyCreateForm(),
      name: 'a',
      size: '1',
      placement: 'spread',
    });
    expect(spread).toMatchObject({ placement: 'spread' });
    expect(spread).not.toHaveProperty('unitId');
  });

  it('words name and size problems exactly as the schemas do', () => {
    const errors = validateCreate({ ...emptyCreateForm(), name: 'Bad Name', size: '512' });
    expect(errors.name).toBe(schemaMessage(volumeNameSchema.safeParse('Bad Name')));
    expect(errors.name).toBe(
      'use 1-63 lowercase letters, digits and dashes, starting with a letter or digit',
    );
    const small = validateCreate({ ...emptyCreateForm(), name: 'ok', size: '512', unit: 'MiB' });
    expect(small).toEqual({});
    const tiny = validateCreate({ ...emptyCreateForm(), name: 'ok', size: '1023 KiB' });
    expect(tiny.size).toBe(
      schemaMessage(
        stationApi['volume/create'].params.safeParse({ name: 'ok', sizeBytes: 1023 * 1024 }),
      ),
    );
    expect(tiny.size).toBe('a volume is at least 1 MiB');
    expect(validateCreate({ ...emptyCreateForm(), name: 'ok', size: '' }).size).toBe(
      'enter a size',
    );
    expect(validateCreate({ ...emptyCreateForm(), name: 'ok', size: '10 GB' }).size).toBe(sizeHint);
    expect(validateCreate({ ...emptyCreateForm(), name: '', size: '1' }).name).toBeDefined();
    expect(toCreateParams({ ...emptyCreateForm(), name: 'ok', size: 'x' })).toBeNull();
  });

  it('puts a server field error on its field', () => {
    expect(
      serverCreateFieldErrors({
        name: 'DvsanError',
        code: 'invalid-params',
        message: 'sizeBytes: a volume is at least 1 MiB',
        details: { field: 'sizeBytes' },
      }),
    ).toEqual({ size: 'a volume is at least 1 MiB' });
    expect(
      serverCreateFieldErrors({
        name: 'DvsanError',
        code: 'invalid-params',
        message: 'no unit has 900.0 GiB free in one pool: the most any unit has is 512.0 GiB',
      }),
    ).toEqual({});
    expect(volumeErrorTitle('conflict')).toBe('Refused');
    expect(volumeErrorTitle('invalid-params')).toBe('Check the fields');
  });

  it('offers units that are up and not spare, with their free space', () => {
    const units = [
      unit('unit-01', { freeBytes: 600 * GiB }),
      unit('unit-02', { health: 'down' }),
      unit('unit-03', { health: 'unknown' }),
      unit('unit-04', { spare: true }),
      unit('unit-05', {
        freeBytes: 90 * GiB,
        pools: [
          { id: 'a', kind: 'directory', path: '/a', totalBytes: 100 * GiB, freeBytes: 40 * GiB },
          { id: 'b', kind: 'directory', path: '/b', totalBytes: 100 * GiB, freeBytes: 50 * GiB },
          { id: 'vg', kind: 'lvm-vg', path: 'vg0', totalBytes: 900 * GiB, freeBytes: 800 * GiB },
        ],
      }),
    ];
    expect(unitOptions(units, null)).toEqual([
      { label: 'unit-01 — 600 GiB free', value: 'id-unit-01', disabled: false },
      // The allocator places a volume in one directory pool: the largest one counts.
      { label: 'unit-05 — 50 GiB free', value: 'id-unit-05', disabled: false },
    ]);
    expect(unitOptions(units, 100 * GiB)[1]).toEqual({
      label: 'unit-05 — 50 GiB free (too small)',
      value: 'id-unit-05',
      disabled: true,
    });
  });
});

describe('resize, export and delete checks', () => {
  const db = volume('db-01', { sizeBytes: 20 * GiB });

  it('only lets a volume grow', () => {
    expect(validateResize(db, '30', 'GiB')).toEqual({ sizeBytes: 30 * GiB });
    expect(validateResize(db, '20', 'GiB')).toEqual({
      error: 'that is its size now: enter a larger one',
    });
    expect(validateResize(db, '10', 'GiB')).toEqual({
      error: 'volumes only grow: db-01 is 20 GiB, enter more',
    });
    expect(validateResize(db, '', 'GiB')).toEqual({ error: 'enter the new size' });
    expect(validateResize(db, 'lots', 'GiB')).toEqual({ error: sizeHint });
  });

  it('checks the initiator IQN with the protocol schema', () => {
    const bad = 'IQN.2025-11.Example:host';
    expect(validateExport(db, bad)).toEqual({ error: schemaMessage(iqnSchema.safeParse(bad)) });
    expect(validateExport(db, bad)).toEqual({ error: 'not a valid iqn. name (RFC 3720)' });
    expect(validateExport(db, '  ')).toEqual({ error: 'enter the host initiator name (iqn.…)' });
    expect(validateExport(db, ' iqn.1993-08.org.debian:01:abc ')).toEqual({
      initiatorIqn: 'iqn.1993-08.org.debian:01:abc',
    });
    const exported = volume('x', { exports: [hostExport('host-01')] });
    expect(validateExport(exported, 'iqn.1993-08.org.debian:01:host-01')).toEqual({
      error: 'the volume is already exported to this initiator',
    });
  });

  it('warns before a second export of a volume that is not shared', () => {
    expect(exportBlocker(db)).toBeNull();
    expect(exportBlocker(volume('s', { shared: true, exports: [hostExport('h1')] }))).toBeNull();
    expect(exportBlocker(volume('n', { exports: [bareExport('ab12')] }))).toContain(
      'Already exported to iqn.2005-03.org.open-iscsi:ab12 and not shared',
    );
  });

  it('asks for the typed name only when the volume is exported', () => {
    expect(deleteNeedsName(db)).toBe(false);
    expect(deleteConfirmed(db, '')).toBe(true);
    const exported = volume('db-02', { exports: [hostExport('host-01')] });
    expect(deleteNeedsName(exported)).toBe(true);
    expect(deleteConfirmed(exported, '')).toBe(false);
    expect(deleteConfirmed(exported, 'db-0')).toBe(false);
    expect(deleteConfirmed(exported, 'DB-02')).toBe(false);
    expect(deleteConfirmed(exported, ' db-02 ')).toBe(true);
  });
});
