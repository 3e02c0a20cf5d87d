import { describe, expect, it } from 'vitest';
import {
  assignFields,
  attachFields,
  attachmentsByVolume,
  emptyAssignForm,
  emptyAttachForm,
  serverFieldError,
  toAssignParams,
  toAttachParams,
  validateAssign,
  validateAttach,
  volumeOptions,
} from '../../../renderer/pages/hosts/host-forms.js';
import { attachment, hostView } from './host-fixtures.js';
import { volume } from './volume-fixtures.js';

const GiB = 1024 ** 3;

describe('attach form', () => {
  it('asks for a volume, and sends the raw device when no filesystem is picked', () => {
    const form = emptyAttachForm();
    expect(validateAttach(form)).toEqual({ volumeId: 'pick a volume' });
    expect(toAttachParams(form, 'id-h1')).toBeNull();
    form.volumeId = 'id-db';
    expect(validateAttach(form)).toEqual({});
    expect(toAttachParams(form, 'id-h1')).toEqual({
      volumeId: 'id-db',
      hostId: 'id-h1',
      readOnly: false,
    });
  });

  it('refuses a mount point that is not an absolute, normalized path, as the station does', () => {
    for (const bad of ['data', '/', '/mnt/data/', '/mnt//data', '/mnt/../etc']) {
      const form = { ...emptyAttachForm(), volumeId: 'v', filesystem: 'ext4' as const };
      form.mountPoint = bad;
      expect(validateAttach(form).mountPoint, bad).toMatch(/absolute, normalized path/);
    }
  });

  it('needs a filesystem to mount, and sends both trimmed', () => {
    const form = { ...emptyAttachForm(), volumeId: 'v', mountPoint: ' /mnt/e2e ' };
    expect(validateAttach(form)).toEqual({
      filesystem: 'pick ext4 or xfs to mount it: a raw block device cannot be mounted',
    });
    form.filesystem = 'xfs';
    form.readOnly = true;
    expect(validateAttach(form)).toEqual({});
    expect(toAttachParams(form, 'id-h1')).toEqual({
      volumeId: 'v',
      hostId: 'id-h1',
      readOnly: true,
      filesystem: 'xfs',
      mountPoint: '/mnt/e2e',
    });
  });
});

describe('assign form', () => {
  it('needs a readable size of at least 1 MiB; name and unit are optional', () => {
    const form = emptyAssignForm();
    expect(validateAssign(form)).toEqual({ size: 'enter a size' });
    form.size = 'lots';
    expect(validateAssign(form).size).toMatch(/enter a size such as/);
    form.size = '512K';
    expect(validateAssign(form).size).toBe('a volume is at least 1 MiB');
    form.size = '20';
    expect(validateAssign(form)).toEqual({});
    expect(toAssignParams(form, 'id-h1')).toEqual({
      hostId: 'id-h1',
      sizeBytes: 20 * GiB,
      readOnly: false,
      filesystem: 'ext4',
    });
  });

  it('checks the name with the volume schema and sends every field given', () => {
    const form = { ...emptyAssignForm(), size: '16M', name: 'Web Data' };
    expect(validateAssign(form).name).toMatch(/lowercase letters/);
    Object.assign(form, { name: 'web-data', unitId: 'id-u1', mountPoint: '/srv/web' });
    expect(validateAssign(form)).toEqual({});
    expect(toAssignParams(form, 'id-h1')).toEqual({
      hostId: 'id-h1',
      sizeBytes: 16 * 1024 ** 2,
      name: 'web-data',
      unitId: 'id-u1',
      readOnly: false,
      filesystem: 'ext4',
      mountPoint: '/srv/web',
    });
    form.filesystem = 'none';
    expect(Object.keys(validateAssign(form))).toEqual(['filesystem']);
  });
});

describe('volume choices for a host', () => {
  const vols = [
    volume('busy'),
    volume('cluster', { shared: true }),
    volume('free'),
    volume('mine'),
  ];
  const attached = attachmentsByVolume([
    hostView('h1', [attachment('mine', 'h1')]),
    hostView('h2', [attachment('busy', 'h2'), attachment('cluster', 'h2', { shared: true })]),
  ]);

  it('offers free volumes first, then shared ones with where they are, and blocks the rest', () => {
    const options = volumeOptions(vols, attached, 'id-h1');
    expect(options.map((o) => [o.value, o.disabled, o.sharedWith])).toEqual([
      ['id-free', false, []],
      ['id-cluster', false, ['h2']],
      ['id-busy', true, []],
      ['id-mine', true, []],
    ]);
    expect(options[1]!.label).toContain('(shared, on h2)');
    expect(options[2]!.label).toContain('(attached to h2, not shared)');
    expect(options[3]!.label).toContain('(attached here)');
  });
});

describe('server field errors', () => {
  it('puts an invalid-params refusal on the field it names, and nothing else', () => {
    const refusal = {
      name: 'DvsanError',
      code: 'invalid-params' as const,
      message: 'mountPoint: must be an absolute, normalized path',
      details: { field: 'mountPoint' },
    };
    expect(serverFieldError(refusal, attachFields)).toEqual({
      mountPoint: 'must be an absolute, normalized path',
    });
    expect(
      serverFieldError({ ...refusal, message: 'x', details: { field: 'sizeBytes' } }, assignFields),
    ).toEqual({ size: 'x' });
    expect(serverFieldError({ ...refusal, code: 'conflict' }, attachFields)).toEqual({});
  });
});
