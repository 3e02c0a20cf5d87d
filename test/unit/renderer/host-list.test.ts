import { describe, expect, it } from 'vitest';
import {
  attachBlocker,
  attachmentSummary,
  detachBlocker,
  hostTasks,
  initiatorText,
  requestOutcome,
  taskVolume,
} from '../../../renderer/pages/hosts/host-list.js';
import {
  attachment,
  hostNode,
  hostRequest,
  hostTask,
  hostView,
  withInitiator,
} from './host-fixtures.js';

const iqn = 'iqn.2026-11.io.dvsan.lab:h1';

describe('host initiator', () => {
  it('is unknown until the host reports one, none when it has none, else backend and IQN', () => {
    expect(initiatorText(hostNode('h1'))).toMatchObject({
      backend: 'unknown',
      note: 'unknown until the host is deployed',
      known: false,
    });
    expect(initiatorText(hostNode('h1', { inventory: withInitiator(undefined) })).note).toBe(
      'unknown until the host is deployed',
    );
    expect(initiatorText(hostNode('h1', { inventory: withInitiator(null) }))).toMatchObject({
      backend: 'none',
      known: false,
    });
    const node = hostNode('h1', {
      inventory: withInitiator({ backend: 'userspace', iqn, mutualChap: true }),
    });
    expect(initiatorText(node)).toEqual({
      backend: 'userspace',
      iqn,
      note: 'mutual CHAP',
      known: true,
    });
  });
});

describe('host rows and attachment actions', () => {
  it('counts what is changing or failed beside the total', () => {
    expect(attachmentSummary(hostView('h1'))).toBe('0');
    const host = hostView('h1', [
      attachment('a', 'h1'),
      attachment('b', 'h1', { state: 'attaching' }),
      attachment('c', 'h1', { state: 'failed', error: 'I/O error' }),
    ]);
    expect(attachmentSummary(host)).toBe('3, 1 changing, 1 failed');
  });

  it('attaches only to a deployed host that is not down', () => {
    expect(attachBlocker(hostNode('h1'))).toBeNull();
    expect(attachBlocker(hostNode('h1', { state: 'new' }))).toMatch(/deploy it/);
    expect(attachBlocker(hostNode('h1', { health: 'down' }))).toBe('h1 is down');
  });

  it('detaches only a settled attachment; a host that is down needs a force', () => {
    expect(detachBlocker(attachment('a', 'h1'), hostNode('h1'))).toBeNull();
    expect(detachBlocker(attachment('a', 'h1', { state: 'attaching' }), hostNode('h1'))).toBe(
      'still attaching',
    );
    expect(detachBlocker(attachment('a', 'h1'), hostNode('h1', { health: 'down' }))).toMatch(
      /only a force detach/,
    );
  });
});

describe('host tasks', () => {
  it("lists the host's own attach, detach and assign tasks, newest first, bounded", () => {
    const tasks = [
      hostTask('t1', 'host.attach', ['id-v', 'id-h1'], '2025-11-25T10:00:01Z'),
      hostTask('t2', 'host.detach', ['id-v', 'id-h2'], '2025-11-25T10:00:02Z'),
      hostTask('t3', 'node.deploy', ['id-h1'], '2025-11-25T10:00:03Z'),
      hostTask('t4', 'host.assign', ['id-h1'], '2025-11-25T10:00:04Z'),
      hostTask('t5', 'host.forceDetach', ['id-v', 'id-h1'], '2025-11-25T10:00:05Z'),
    ];
    expect(hostTasks(tasks, 'id-h1').map((t) => t.id)).toEqual(['t5', 't4', 't1']);
    expect(hostTasks(tasks, 'id-h1', 2).map((t) => t.id)).toEqual(['t5', 't4']);
  });

  it('names the volume a task works on, or the one an assign made', () => {
    const lock = { kind: 'volume' as const, id: 'id-v', mode: 'write' as const, label: 'db' };
    expect(taskVolume(hostTask('t', 'host.attach', [], '', { locks: [lock] }))).toBe('db');
    expect(
      taskVolume(hostTask('t', 'host.assign', [], '', { result: { volume: 'h1-1a2b' } })),
    ).toBe('h1-1a2b');
    expect(taskVolume(hostTask('t', 'host.assign', [], ''))).toBe('');
  });
});

describe('request outcome', () => {
  it('says who decided and why', () => {
    expect(requestOutcome(hostRequest('a'))).toBe('waiting for approval');
    expect(requestOutcome(hostRequest('a', { state: 'done', decidedBy: 'policy' }))).toBe(
      'granted by policy, attached',
    );
    expect(requestOutcome(hostRequest('a', { state: 'granted', decidedBy: 'local' }))).toBe(
      'granted by local: making the volume',
    );
    expect(
      requestOutcome(
        hostRequest('a', { state: 'denied', decidedBy: 'policy', reason: 'over the quota' }),
      ),
    ).toBe('denied by policy: over the quota');
    expect(requestOutcome(hostRequest('a', { state: 'failed', reason: 'unit down' }))).toBe(
      'failed: unit down',
    );
  });
});
