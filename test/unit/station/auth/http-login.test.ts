import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDispatcher } from '../../../../station/api/dispatch.js';
import type { Handlers } from '../../../../station/api/handlers.js';
import { Auth, callAuthorizer, userHandlers } from '../../../../station/auth/index.js';
import type { Database } from '../../../../station/db/database.js';
import { EventBus } from '../../../../station/events.js';
import { createLogger } from '../../../../station/log.js';
import { startServer } from '../../../../station/server/http.js';
import { cheapScrypt, freshDb } from './setup.js';

const port = 17_493;
const host = `127.0.0.1:${port}`;
let db: Database;
let app: FastifyInstance;
const create = vi.fn(async (_p: unknown, call: { user: string }) => ({ by: call.user }));

beforeAll(async () => {
  db = await freshDb();
  const auth = new Auth(db, { scrypt: cheapScrypt });
  await auth.add('ada', 'admin', 'admin-password-1');
  await auth.add('oli', 'operator', 'operator-password-1');
  await auth.add('vic', 'viewer', 'viewer-password-1');
  const handlers = {
    ...userHandlers(auth),
    'volume/create': create,
    'volume/list': async () => [],
  } as unknown as Handlers;
  const dispatcher = createDispatcher(
    handlers,
    new EventBus(),
    createLogger('silent'),
    undefined,
    callAuthorizer(async () => null),
  );
  app = await startServer(dispatcher, {
    host: '127.0.0.1',
    port,
    rendererDir: mkdtempSync(join(tmpdir(), 'r-')),
    login: auth,
  });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function login(user: string, password: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/login',
    headers: { host, 'content-type': 'application/json' },
    payload: { user, password },
  });
  const cookie = String(res.headers['set-cookie'] ?? '');
  const body = res.json() as { result?: { csrfToken: string } };
  return { res, cookie: cookie.split(';')[0] ?? '', csrf: body.result?.csrfToken ?? '' };
}

const call = (method: string, params: unknown, headers: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: `/api/call/${encodeURIComponent(method)}`,
    headers: { host, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(params),
  });

const volume = { name: 'v1', sizeBytes: 1024 ** 3 };

/** Opens the real event stream; resolves with the HTTP status of a refusal, or 101. */
function openStream(headers: Record<string, string>, csrf?: string): Promise<number> {
  const query = csrf ? `?csrf=${encodeURIComponent(csrf)}` : '';
  const ws = new WebSocket(`ws://${host}/api/events${query}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('station web server with login', () => {
  it('answers 401 to calls and the event stream without a session', async () => {
    expect((await call('volume/list', {}, {})).statusCode).toBe(401);
    const stream = await app.inject({ method: 'GET', url: '/api/events', headers: { host } });
    expect(stream.statusCode).toBe(401);
    expect((await call('volume/list', {}, { cookie: 'dvsan_session=forged' })).statusCode).toBe(
      401,
    );
  });

  it('sets an HttpOnly, SameSite=Strict session cookie at login', async () => {
    const { res } = await login('vic', 'viewer-password-1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toMatch(
      /^dvsan_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect(res.json()).toMatchObject({ ok: true, result: { user: 'vic', role: 'viewer' } });
  });

  it('refuses a POST without the session’s CSRF token, calling nothing', async () => {
    const { cookie } = await login('oli', 'operator-password-1');
    const other = await login('vic', 'viewer-password-1');
    create.mockClear();
    expect((await call('volume/create', volume, { cookie })).statusCode).toBe(403);
    expect(
      (await call('volume/create', volume, { cookie, 'x-dvsan-csrf': other.csrf })).statusCode,
    ).toBe(403);
    expect(create).not.toHaveBeenCalled();
  });

  it('answers 403 to a viewer’s well-formed change and runs it for an operator', async () => {
    const vic = await login('vic', 'viewer-password-1');
    create.mockClear();
    const refused = await call('volume/create', volume, {
      cookie: vic.cookie,
      'x-dvsan-csrf': vic.csrf,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(create).not.toHaveBeenCalled();
    const oli = await login('oli', 'operator-password-1');
    const done = await call('volume/create', volume, {
      cookie: oli.cookie,
      'x-dvsan-csrf': oli.csrf,
    });
    expect(done.json()).toEqual({ ok: true, result: { by: 'oli' } });
  });

  it('answers 400 naming the field for a malformed call by an allowed user', async () => {
    const oli = await login('oli', 'operator-password-1');
    const res = await call(
      'volume/create',
      { name: 'v1', sizeBytes: 5 },
      { cookie: oli.cookie, 'x-dvsan-csrf': oli.csrf },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { details: { field: 'sizeBytes' } } });
  });

  it('tells the console who is signed in, with the token and what they may change', async () => {
    const vic = await login('vic', 'viewer-password-1');
    // A reloaded console has only its cookie: session/me gives the token back.
    const me = await call('session/me', {}, { cookie: vic.cookie });
    expect(me.json()).toEqual({
      ok: true,
      result: { user: 'vic', role: 'viewer', csrfToken: vic.csrf, may: ['user/setPassword'] },
    });
  });

  it('opens the event stream only for a session with its CSRF token', async () => {
    const vic = await login('vic', 'viewer-password-1');
    expect(await openStream({})).toBe(401);
    expect(await openStream({ cookie: vic.cookie })).toBe(403);
    expect(await openStream({ cookie: vic.cookie }, vic.csrf)).toBe(101);
  });

  it('runs a report download as the signed-in user: a viewer may not generate one', async () => {
    const vic = await login('vic', 'viewer-password-1');
    const res = await app.inject({
      method: 'GET',
      url: '/api/report/capacity?format=csv',
      headers: { host, cookie: vic.cookie },
    });
    // The download route maps codes to statuses itself (station/reports/download.ts).
    expect(res.statusCode).not.toBe(200);
    expect(res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('answers 429 with Retry-After after five failed logins, then 401 for a logged-out cookie', async () => {
    for (let i = 0; i < 5; i++) expect((await login('ada', `wrong-${i}`)).res.statusCode).toBe(401);
    const limited = await login('ada', 'admin-password-1');
    expect(limited.res.statusCode).toBe(429);
    expect(limited.res.headers['retry-after']).toBe('30');
    expect(limited.res.json()).toMatchObject({ error: { message: /try again in 30 s/ } });

    const vic = await login('vic', 'viewer-password-1');
    const out = await app.inject({
      method: 'POST',
      url: '/api/logout',
      headers: { host, cookie: vic.cookie, 'x-dvsan-csrf': vic.csrf },
    });
    expect(out.headers['set-cookie']).toMatch(/Max-Age=0/);
    expect((await call('volume/list', {}, { cookie: vic.cookie })).statusCode).toBe(401);
  });
});
