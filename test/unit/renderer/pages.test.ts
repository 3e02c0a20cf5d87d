import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, flush, freshStores } from './fake-station.js';

vi.mock('../../../renderer/api/index.js', () => import('./fake-station.js'));

const { findPage, pages } = await import('../../../renderer/pages/index.js');

const calledMethods = () => fake.call.mock.calls.map(([method]) => method).sort();

beforeEach(() => {
  freshStores();
  fake.call.mockResolvedValue([]);
});

describe('page registry', () => {
  it('starts only the volumes for the Volumes page: no node or task list ahead of them', async () => {
    findPage('volumes').startStores();
    await flush();
    expect(calledMethods()).toEqual(['volume/list']);
  });

  it('starts the nodes and tasks for the pages that read them, once each', async () => {
    findPage('nodes').startStores();
    findPage('dashboard').startStores();
    findPage('tasks').startStores();
    await flush();
    expect(calledMethods()).toEqual(['node/list', 'task/list']);
  });

  it('gives every page its own code to load and a fallback for unknown keys', () => {
    expect(new Set(pages.map((p) => p.key)).size).toBe(pages.length);
    for (const page of pages) expect(typeof page.load).toBe('function');
    expect(findPage('no-such-page').key).toBe('dashboard');
  });
});
