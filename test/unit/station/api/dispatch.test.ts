import { describe, expect, it, vi } from 'vitest';
import { DvsanError } from '../../../../protocol/index.js';
import { createDispatcher } from '../../../../station/api/dispatch.js';
import type { Handlers } from '../../../../station/api/handlers.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';

const log = createLogger('silent');

function dispatcher(over: Partial<Handlers> = {}) {
  const add = vi.fn(async () => {
    throw new DvsanError('ssh-auth-failed', 'refused');
  });
  return {
    add,
    transport: createDispatcher(
      { 'node/add': add, ...over } as unknown as Handlers,
      new EventBus(),
      log,
    ),
  };
}

describe('dispatcher', () => {
  it('refuses unknown methods', async () => {
    expect(await dispatcher().transport.call('node/explode', {})).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });

  it('names the failing field and never calls the handler with bad params', async () => {
    const { add, transport } = dispatcher();
    for (const [params, field] of [
      [{ name: 'u1', role: 'unit', address: '', auth: { kind: 'agent' } }, 'address'],
      [
        { name: 'u1', role: 'unit', address: '10.0.0.1', port: 70000, auth: { kind: 'agent' } },
        'port',
      ],
      [
        { name: 'u1', role: 'unit', address: '10.0.0.1', user: 'root;rm', auth: { kind: 'agent' } },
        'user',
      ],
      [{ name: 'U 1', role: 'unit', address: '10.0.0.1', auth: { kind: 'agent' } }, 'name'],
      [{ name: 'u1', role: 'unit', address: '999.1.1.1', auth: { kind: 'agent' } }, 'address'],
      [
        { name: 'u1', role: 'unit', address: '10.0.0.1', auth: { kind: 'key', keyPath: '' } },
        'auth.keyPath',
      ],
    ] as const) {
      const answer = await transport.call('node/add', params);
      expect(answer).toMatchObject({
        ok: false,
        error: { code: 'invalid-params', details: { field } },
      });
    }
    expect(add).not.toHaveBeenCalled();
  });

  it('passes errors through as shapes and never throws', async () => {
    const { transport } = dispatcher();
    const answer = await transport.call('node/add', {
      name: 'u1',
      role: 'unit',
      address: '10.0.0.1',
      auth: { kind: 'agent' },
    });
    expect(answer).toEqual({
      ok: false,
      error: { name: 'DvsanError', code: 'ssh-auth-failed', message: 'refused' },
    });
  });

  it('fills defaults before the handler runs', async () => {
    const add = vi.fn(async (p: unknown) => p);
    const transport = createDispatcher(
      { 'node/add': add } as unknown as Handlers,
      new EventBus(),
      log,
    );
    await transport.call('node/add', {
      name: 'u1',
      role: 'host',
      address: 'node-1.example',
      auth: { kind: 'agent' },
    });
    // Without a signed-in caller, the call is the local user's.
    expect(add).toHaveBeenCalledWith(expect.objectContaining({ port: 22, user: 'root' }), {
      user: 'local',
      source: 'local',
    });
  });
});
