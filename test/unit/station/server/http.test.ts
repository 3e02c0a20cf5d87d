import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StationTransport } from '../../../../protocol/index.js';
import { startServer } from '../../../../station/server/http.js';

const port = 17_391;
const call = vi.fn<StationTransport['call']>(async (method) =>
  method === 'node/list'
    ? { ok: true, result: [] }
    : { ok: false, error: { name: 'DvsanError', code: 'not-found', message: 'nope' } },
);
let app: FastifyInstance;

beforeAll(async () => {
  app = await startServer(
    { call, subscribe: () => () => undefined },
    { host: '127.0.0.1', port, rendererDir: mkdtempSync(join(tmpdir(), 'r-')) },
  );
});
afterAll(() => app.close());

const post = (headers: Record<string, string>, method = 'node%2Flist') =>
  app.inject({
    method: 'POST',
    url: `/api/call/${method}`,
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers },
    payload: '{}',
  });

describe('station web server', () => {
  it('answers a same-site JSON call', async () => {
    const res = await post({});
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, result: [] });
    expect(call).toHaveBeenCalledWith('node/list', {});
  });

  it('maps error codes to HTTP statuses', async () => {
    expect((await post({}, 'node%2Fget')).statusCode).toBe(404);
  });

  it('refuses other sites, rebound host names and non-JSON posts without calling the station', async () => {
    call.mockClear();
    expect((await post({ origin: 'http://evil.example' })).statusCode).toBe(403);
    expect((await post({ host: 'evil.example:7300' })).statusCode).toBe(403);
    expect((await post({ 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect(call).not.toHaveBeenCalled();
  });
});
