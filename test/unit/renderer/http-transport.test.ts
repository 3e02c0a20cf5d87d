import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpTransport } from '../../../renderer/api/http-transport.js';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('HttpTransport.call', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('POSTs the params to /api/call/<encoded method> and returns the body as is', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { ok: true, result: [{ id: 'n1' }] }));
    vi.stubGlobal('fetch', fetch);
    const answer = await new HttpTransport().call('node/list', {});
    expect(answer).toEqual({ ok: true, result: [{ id: 'n1' }] });
    expect(fetch).toHaveBeenCalledWith('/api/call/node%2Flist', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  });

  it('reads the error from the body of a 4xx answer', async () => {
    const error = { name: 'DvsanError', code: 'host-key-changed', message: 'the key changed' };
    vi.stubGlobal('fetch', async () => jsonResponse(409, { ok: false, error }));
    expect(await new HttpTransport().call('node/add', {})).toEqual({ ok: false, error });
  });

  it('turns a network failure into an internal error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await new HttpTransport().call('node/list', {})).toEqual({
      ok: false,
      error: {
        name: 'DvsanError',
        code: 'internal',
        message: 'cannot reach the station: Failed to fetch',
      },
    });
  });

  it('reports a body that is not JSON or not an answer', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>Bad Gateway</html>', { status: 502 }));
    const answer = await new HttpTransport().call('node/list', {});
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'internal', message: expect.stringContaining('502') },
    });
    vi.stubGlobal('fetch', async () => jsonResponse(200, { hello: 1 }));
    expect(await new HttpTransport().call('node/list', {})).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });
});

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.onopen?.();
  }
  send(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  drop(): void {
    this.onclose?.();
  }
}

const node = {
  id: 'n1',
  name: 'unit-01',
  role: 'unit',
  address: '10.99.0.11',
  port: 22,
  user: 'root',
  authKind: 'agent',
  keyPath: null,
  hostKey: { fingerprint: 'SHA256:' + 'a'.repeat(43), state: 'trusted' },
  state: 'ready',
  health: 'up',
  lastSeenAt: '2025-01-01T00:00:00.000Z',
  spare: false,
  lastError: null,
  agent: { version: '0.1.0', runtime: null, deployedAt: null },
  inventory: null,
  createdAt: '2025-01-01T00:00:00.000Z',
};

describe('HttpTransport.subscribe', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  function transport() {
    return new HttpTransport({
      origin: 'https://station.example:7300',
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      minDelayMs: 500,
      maxDelayMs: 10_000,
    });
  }

  it('shares one socket and delivers only valid events', () => {
    const t = transport();
    const a = vi.fn();
    const b = vi.fn();
    t.subscribe(a);
    t.subscribe(b);
    expect(FakeSocket.all).toHaveLength(1);
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe('wss://station.example:7300/api/events');
    socket.open();
    socket.send({ type: 'node.updated', node });
    socket.send({ type: 'node.updated', node: { id: 'x' } });
    socket.send('not json');
    socket.send({ type: 'bogus' });
    expect(a).toHaveBeenCalledTimes(1);
    expect(a).toHaveBeenCalledWith({ type: 'node.updated', node });
    expect(b).toHaveBeenCalledTimes(1);
  });

  it('reconnects with growing, bounded delays and announces the reconnect', () => {
    const t = transport();
    const reconnected = vi.fn();
    const states: boolean[] = [];
    t.onReconnect(reconnected);
    t.onConnectionChange((c) => states.push(c));
    t.subscribe(() => {});
    FakeSocket.all[0]!.open();
    expect(reconnected).not.toHaveBeenCalled();
    FakeSocket.all[0]!.drop();

    // Each failed attempt waits longer, never more than maxDelayMs (jitter is ±20%).
    const waits = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
    for (const [i, wait] of waits.entries()) {
      vi.advanceTimersByTime(wait * 0.8 - 1);
      expect(FakeSocket.all).toHaveLength(i + 1);
      vi.advanceTimersByTime(wait * 0.4 + 2);
      expect(FakeSocket.all).toHaveLength(i + 2);
      if (i < waits.length - 1) FakeSocket.all.at(-1)!.drop();
    }
    FakeSocket.all.at(-1)!.open();
    expect(reconnected).toHaveBeenCalledTimes(1);
    expect(states).toEqual([true, false, true]);
  });

  it('closes the socket when the last listener leaves and stops retrying', () => {
    const t = transport();
    const off = t.subscribe(() => {});
    FakeSocket.all[0]!.open();
    off();
    expect(FakeSocket.all[0]!.closed).toBe(true);
    FakeSocket.all[0]!.drop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
