import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  agentMethods,
  rpcResponseSchema,
  type RpcResponse,
} from '../../../../protocol/agent-rpc.js';
import { DvsanError } from '../../../../protocol/errors.js';
import type { Inventory } from '../../../../protocol/inventory.js';
import type { Log } from '../../../../agents/log.js';
import { serveRpc, type AgentHandlers } from '../../../../agents/rpc/server.js';

const inventory: Inventory = {
  hostname: 'unit-01',
  os: {
    id: 'debian',
    version: '12',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    kernel: '6.1.0-18-amd64',
    arch: 'x64',
  },
  cpu: { model: 'AMD EPYC 7302P 16-Core Processor', cores: 32 },
  memoryBytes: 68_719_476_736,
  nics: [],
  disks: [
    {
      name: 'sda',
      sizeBytes: 4_000_787_030_016,
      type: 'disk',
      model: 'ST4000NM0035',
      mountpoint: null,
    },
  ],
  dataDir: { path: '/var/lib/dvsan/data', totalBytes: 1000, freeBytes: 500 },
  tools: {
    tgtadm: '/usr/sbin/tgtadm',
    targetcli: null,
    iscsiadm: null,
    'iscsi-ls': null,
    'qemu-storage-daemon': null,
    lsblk: '/usr/bin/lsblk',
  },
  agent: { version: '0.0.0-dev', node: 'v20.0.0' },
};

// Only the methods these tests call; the rest of the map is the agent's business.
const defaultHandlers: Partial<AgentHandlers> = {
  'agent.hello': async () => ({ version: '1.2.3', protocol: 1, capabilities: ['node.inventory'] }),
  'node.inventory': async () => inventory,
  'storage.inventory': async () => ({ pools: [], volumes: [] }),
  'agent.configure': async () => ({ supervisor: 'process', pid: 4242, restarted: false }),
};

/** A server on PassThrough streams, with a way to send lines and read answers as they come. */
function startServer(handlers: Partial<AgentHandlers> = {}, maxLineBytes?: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = (level, msg, fields) => logged.push({ level, msg, fields });
  const responses: RpcResponse[] = [];
  const waiters: (() => void)[] = [];
  let pending = '';
  output.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      responses.push(rpcResponseSchema.parse(JSON.parse(pending.slice(0, newline))));
      pending = pending.slice(newline + 1);
      waiters.splice(0).forEach((wake) => wake());
    }
  });
  const done = serveRpc({
    input,
    output,
    handlers: { ...defaultHandlers, ...handlers } as AgentHandlers,
    log,
    maxLineBytes,
  });
  const next = async (count: number): Promise<RpcResponse[]> => {
    while (responses.length < count) await new Promise<void>((wake) => waiters.push(wake));
    return responses.slice(0, count);
  };
  const send = (value: unknown): void => {
    input.write((typeof value === 'string' ? value : JSON.stringify(value)) + '\n');
  };
  return { input, output, logged, responses, done, next, send };
}

function errorOf(response: RpcResponse | undefined) {
  if (!response || !('error' in response))
    throw new Error(`expected an error, got ${JSON.stringify(response)}`);
  return response.error;
}

function resultOf(response: RpcResponse | undefined): unknown {
  if (!response || !('result' in response))
    throw new Error(`expected a result, got ${JSON.stringify(response)}`);
  return response.result;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('serveRpc', () => {
  it('answers agent.hello with a result that matches its schema', async () => {
    const server = startServer();
    server.send({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: {} });
    const [answer] = await server.next(1);
    expect(answer?.id).toBe(1);
    expect(agentMethods['agent.hello'].result.parse(resultOf(answer))).toEqual({
      version: '1.2.3',
      protocol: 1,
      capabilities: ['node.inventory'],
    });
    server.input.end();
    await server.done;
  });

  it('treats missing params as {}', async () => {
    const server = startServer();
    server.send({ jsonrpc: '2.0', id: 'a', method: 'agent.hello' });
    const [answer] = await server.next(1);
    expect(answer?.id).toBe('a');
    expect(resultOf(answer)).toMatchObject({ protocol: 1 });
  });

  it('runs requests concurrently and answers each by its id', async () => {
    const slow = gate();
    const server = startServer({
      'agent.hello': async () => {
        await slow.opened;
        return { version: 'slow', protocol: 1, capabilities: [] };
      },
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'agent.hello' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'node.inventory' });
    const [first] = await server.next(1);
    expect(first?.id).toBe(2);
    expect(resultOf(first)).toEqual(inventory);
    slow.open();
    const [, second] = await server.next(2);
    expect(second?.id).toBe(1);
    expect(resultOf(second)).toMatchObject({ version: 'slow' });
  });

  it('answers unparsable JSON with -32700 and id null, then keeps serving', async () => {
    const server = startServer();
    server.send('{"jsonrpc":"2.0","id":1,');
    server.send({ jsonrpc: '2.0', id: 2, method: 'agent.hello' });
    const [bad, good] = await server.next(2);
    expect(bad?.id).toBeNull();
    expect(errorOf(bad).code).toBe(-32700);
    expect(good?.id).toBe(2);
  });

  it('rejects a wrong jsonrpc version with -32600, echoing the id', async () => {
    const server = startServer();
    server.send({ jsonrpc: '1.0', id: 7, method: 'agent.hello' });
    const [answer] = await server.next(1);
    expect(answer?.id).toBe(7);
    expect(errorOf(answer).code).toBe(-32600);
  });

  it('rejects requests without an id or with a non-object body as -32600 with id null', async () => {
    const server = startServer();
    server.send({ jsonrpc: '2.0', method: 'agent.hello' });
    server.send([{ jsonrpc: '2.0', id: 1, method: 'agent.hello' }]);
    const answers = await server.next(2);
    for (const answer of answers) {
      expect(answer.id).toBeNull();
      expect(errorOf(answer).code).toBe(-32600);
    }
  });

  it('answers unknown methods, including inherited property names, with -32601', async () => {
    const server = startServer();
    server.send({ jsonrpc: '2.0', id: 1, method: 'volume.destroy' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'toString' });
    server.send({ jsonrpc: '2.0', id: 3, method: '__proto__' });
    const answers = await server.next(3);
    expect(answers.map((a) => [a.id, errorOf(a).code])).toEqual([
      [1, -32601],
      [2, -32601],
      [3, -32601],
    ]);
  });

  it('answers bad params with -32602 carrying the zod issue message', async () => {
    let called = false;
    const server = startServer({
      'agent.hello': async () => {
        called = true;
        return { version: 'x', protocol: 1, capabilities: [] };
      },
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { force: true } });
    server.send({ jsonrpc: '2.0', id: 2, method: 'agent.hello', params: 'all' });
    const [extraKey, notObject] = await server.next(2);
    const error = errorOf(extraKey);
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('force');
    expect(error.data).toMatchObject({ code: 'invalid-params' });
    expect(errorOf(notObject).code).toBe(-32602);
    expect(called).toBe(false);
  });

  it('rejects an oversized line with an error and keeps serving the next one', async () => {
    const server = startServer({}, 64);
    // Sent in pieces without a newline, as a flooding peer would.
    for (let i = 0; i < 10; i++) server.input.write('x'.repeat(50));
    server.input.write('\n');
    server.send({ jsonrpc: '2.0', id: 9, method: 'agent.hello' });
    const [tooLong, good] = await server.next(2);
    expect(tooLong?.id).toBeNull();
    expect(errorOf(tooLong).code).toBe(-32600);
    expect(errorOf(tooLong).message).toMatch(/longer than 64 bytes/);
    expect(good?.id).toBe(9);
    server.input.end();
    await server.done;
    expect(server.responses).toHaveLength(2);
  });

  it('enforces the protocol limit by default', async () => {
    const server = startServer();
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'agent.hello',
      params: { pad: 'y'.repeat(5 * 1024 * 1024) },
    });
    server.send(huge);
    const [answer] = await server.next(1);
    expect(errorOf(answer).code).toBe(-32600);
    expect(answer?.id).toBeNull();
  });

  it('maps a DvsanError to -32000 with its shape, and a plain Error to -32603 without a stack', async () => {
    const server = startServer({
      'agent.hello': async () => {
        throw new DvsanError('disk-full', 'no space left for the volume', { needBytes: 10 });
      },
      'node.inventory': async () => {
        throw new Error('lsblk exploded');
      },
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'agent.hello' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'node.inventory' });
    const answers = await server.next(2);
    const app = errorOf(answers.find((a) => a.id === 1));
    expect(app).toEqual({
      code: -32000,
      message: 'no space left for the volume',
      data: {
        name: 'DvsanError',
        code: 'disk-full',
        message: 'no space left for the volume',
        details: { needBytes: 10 },
      },
    });
    const internal = errorOf(answers.find((a) => a.id === 2));
    expect(internal.code).toBe(-32603);
    expect(internal.message).toContain('lsblk exploded');
    expect(internal.data?.code).toBe('internal');
    expect(JSON.stringify(internal)).not.toContain('server.test.ts');
    expect(server.logged.some((l) => l.level === 'error')).toBe(true);
  });

  it('answers -32603 when a handler result fails its schema, sending none of it', async () => {
    const server = startServer({
      'node.inventory': async () =>
        ({ ...inventory, hostname: 42, secret: 'leak' }) as unknown as Inventory,
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'node.inventory' });
    const [answer] = await server.next(1);
    expect(errorOf(answer).code).toBe(-32603);
    expect(JSON.stringify(answer)).not.toContain('leak');
    expect(server.logged.find((l) => l.msg.includes('schema'))?.fields).toMatchObject({
      method: 'node.inventory',
    });
  });

  it('strips keys the result schema does not declare', async () => {
    const server = startServer({
      'agent.hello': async () =>
        ({ version: 'v', protocol: 1, capabilities: [], extra: 1 }) as never,
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'agent.hello' });
    const [answer] = await server.next(1);
    expect(resultOf(answer)).toEqual({ version: 'v', protocol: 1, capabilities: [] });
  });

  it('on end of input, waits for requests in flight before resolving', async () => {
    const slow = gate();
    const server = startServer({
      'node.inventory': async () => {
        await slow.opened;
        return inventory;
      },
    });
    server.send({ jsonrpc: '2.0', id: 1, method: 'node.inventory' });
    server.input.end();
    let finished = false;
    void server.done.then(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toBe(false);
    slow.open();
    await server.done;
    expect(server.responses.map((r) => r.id)).toEqual([1]);
  });

  it('serves a last request that has no trailing newline', async () => {
    const server = startServer();
    server.input.end(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'agent.hello' }));
    await server.done;
    expect(server.responses.map((r) => r.id)).toEqual([5]);
  });
});
