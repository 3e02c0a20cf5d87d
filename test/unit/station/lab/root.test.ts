import { describe, expect, it } from 'vitest';
import { labDown, labUp } from '../../../../station/lab/index.js';

// The uid is injected, so this runs (and must fail early, touching nothing) even as root.
describe('lab as a non-root user', () => {
  it('refuses up and down with lab-needs-root before doing anything', async () => {
    await expect(labUp({ units: 1, hosts: 0, prefix: 'dvn' }, { uid: 1000 })).rejects.toMatchObject(
      {
        code: 'lab-needs-root',
        message: expect.stringMatching(/Run it with sudo/),
      },
    );
    await expect(labDown({ prefix: 'dvn' }, { uid: 1000 })).rejects.toMatchObject({
      code: 'lab-needs-root',
    });
  });

  it('still validates options first, so a typo is reported as such', async () => {
    await expect(labUp({ units: 1, hosts: 0, prefix: 'BAD' }, { uid: 1000 })).rejects.toMatchObject(
      { code: 'invalid-params' },
    );
  });
});
