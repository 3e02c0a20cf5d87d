import { describe, expect, it } from 'vitest';
import {
  emptyAssignForm,
  toAssignParams,
  validateAssign,
} from '../../../renderer/pages/hosts/host-forms.js';

describe('assign form, mirrored', () => {
  it('is off by default and sends mirrored only when ticked', () => {
    const form = { ...emptyAssignForm(), size: '20', mountPoint: '/srv/db' };
    expect(form.mirrored).toBe(false);
    expect(toAssignParams(form, 'id-h1')).not.toHaveProperty('mirrored');
    form.mirrored = true;
    expect(validateAssign(form)).toEqual({});
    expect(toAssignParams(form, 'id-h1')).toMatchObject({
      hostId: 'id-h1',
      mirrored: true,
      filesystem: 'ext4',
      mountPoint: '/srv/db',
    });
  });
});
