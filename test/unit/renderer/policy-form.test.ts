import { describe, expect, it } from 'vitest';
import {
  fromPolicy,
  policyDirty,
  policyPatch,
  policyText,
  toPolicy,
} from '../../../renderer/pages/settings/policy-form.js';

const GiB = 1024 ** 3;
const defaults = { autoGrantBytes: 0, hostQuotaBytes: null };

describe('request policy fields', () => {
  it('shows the station values as sizes and reads them back unchanged', () => {
    expect(fromPolicy(defaults)).toEqual({ autoGrant: '0', hostQuota: '' });
    const policy = { autoGrantBytes: 20 * GiB, hostQuotaBytes: 1.5 * 1024 * GiB };
    const form = fromPolicy(policy);
    expect(form).toEqual({ autoGrant: '20 GiB', hostQuota: '1.5 TiB' });
    expect(toPolicy(form)).toEqual({ policy });
    expect(policyDirty(form, policy)).toBe(false);
    expect(policyPatch(form, policy)).toBeNull();
  });

  it('reads sizes typed like 20G, a bare number as GiB, empty as 0 and no limit', () => {
    expect(toPolicy({ autoGrant: '20G', hostQuota: '100' })).toEqual({
      policy: { autoGrantBytes: 20 * GiB, hostQuotaBytes: 100 * GiB },
    });
    expect(toPolicy({ autoGrant: '', hostQuota: ' ' })).toEqual({ policy: defaults });
    expect(toPolicy({ autoGrant: '0G', hostQuota: '' })).toEqual({ policy: defaults });
  });

  it('names the field that cannot be read, and refuses a quota of 0', () => {
    expect(toPolicy({ autoGrant: 'twenty', hostQuota: '5 GB' })).toEqual({
      errors: {
        autoGrant: 'enter a size such as 20G, 512M or 1.5T',
        hostQuota: 'enter a size such as 20G, 512M or 1.5T',
      },
    });
    expect(toPolicy({ autoGrant: '0', hostQuota: '0' })).toEqual({
      errors: { hostQuota: 'a quota must be above 0: leave it empty for no limit' },
    });
  });

  it('sends the policy only when it changed, and counts an unreadable edit as a change', () => {
    const form = { autoGrant: '16M', hostQuota: '' };
    expect(policyPatch(form, defaults)).toEqual({
      autoGrantBytes: 16 * 1024 ** 2,
      hostQuotaBytes: null,
    });
    expect(policyDirty({ autoGrant: 'x', hostQuota: '' }, defaults)).toBe(true);
    expect(policyDirty({ autoGrant: '0 ', hostQuota: '' }, defaults)).toBe(false);
  });

  it('says what the policy does', () => {
    expect(policyText({ autoGrant: '0', hostQuota: '' })).toBe(
      'Every request waits for an administrator on the Hosts page; no host has a limit.',
    );
    expect(policyText({ autoGrant: '10G', hostQuota: '50G' })).toMatch(
      /up to 10 GiB are granted at once.*at most 50 GiB/,
    );
    expect(policyText({ autoGrant: '?', hostQuota: '' })).toBeNull();
  });
});
