import { describe, expect, it } from 'vitest';
import { type StationMethod, stationApi } from '../../../../protocol/index.js';
import {
  authorize,
  changesAllowed,
  mayCall,
  methodAccess,
} from '../../../../station/auth/policy.js';

const methods = Object.keys(stationApi) as StationMethod[];
const noTasks = async () => null;
const caller = (role: 'admin' | 'operator' | 'viewer', user = 'dana') => ({ user, role });

describe('role policy', () => {
  it('classifies every StationApi method, and nothing else', () => {
    const unclassified = methods.filter((m) => !(m in methodAccess));
    expect(unclassified).toEqual([]);
    expect(Object.keys(methodAccess).sort()).toEqual([...methods].sort());
  });

  it('lets a viewer call every read method and no other', async () => {
    for (const m of methods) {
      const call = authorize(caller('viewer'), m, { name: 'someone-else' }, noTasks);
      if (methodAccess[m] === 'read') await expect(call).resolves.toBeUndefined();
      else await expect(call).rejects.toMatchObject({ code: 'forbidden' });
    }
  });

  it('lets an operator work volumes, exports, hosts, requests and reports, not nodes, settings or users', async () => {
    for (const m of [
      'volume/create',
      'volume/delete',
      'volume/export',
      'host/attach',
      'host/detach',
      'host/assign',
      'request/approve',
      'report/generate',
    ] as const)
      await expect(authorize(caller('operator'), m, {}, noTasks)).resolves.toBeUndefined();
    for (const m of [
      'node/add',
      'node/deploy',
      'settings/update',
      'user/add',
      'user/setRole',
      'user/list',
      'report/schedule/set',
    ] as const)
      await expect(authorize(caller('operator'), m, {}, noTasks)).rejects.toMatchObject({
        code: 'forbidden',
      });
  });

  it('lets an operator cancel only their own tasks; an admin any', async () => {
    const owner = async (id: string) => (id === 't-own' ? 'dana' : 'erin');
    await expect(
      authorize(caller('operator'), 'task/cancel', { id: 't-own' }, owner),
    ).resolves.toBeUndefined();
    await expect(
      authorize(caller('operator'), 'task/cancel', { id: 't-other' }, owner),
    ).rejects.toThrow(/started by erin/);
    await expect(
      authorize(caller('admin'), 'task/cancel', { id: 't-other' }, owner),
    ).resolves.toBeUndefined();
    await expect(
      authorize(caller('viewer'), 'task/cancel', { id: 't-own' }, owner),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('lets anyone change their own password, only an admin someone else’s', async () => {
    await expect(
      authorize(caller('viewer'), 'user/setPassword', { name: 'dana' }, noTasks),
    ).resolves.toBeUndefined();
    await expect(
      authorize(caller('operator'), 'user/setPassword', { name: 'erin' }, noTasks),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      authorize(caller('admin'), 'user/setPassword', { name: 'erin' }, noTasks),
    ).resolves.toBeUndefined();
  });

  it('tells the console which change buttons to show', () => {
    expect(changesAllowed('viewer')).toEqual(['user/setPassword']);
    expect(changesAllowed('operator')).toContain('volume/create');
    expect(changesAllowed('operator')).not.toContain('node/add');
    expect(changesAllowed('admin').sort()).toEqual(
      methods.filter((m) => methodAccess[m] !== 'read').sort(),
    );
    expect(mayCall('viewer', 'volume/list')).toBe(true);
  });
});
