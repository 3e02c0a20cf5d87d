import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type ErrorCode, type StationTransport } from '../../protocol/index.js';
import type { CallContext } from '../api/call-context.js';
import type { StationDispatcher } from '../api/dispatch.js';
import type { Auth } from '../auth/index.js';
import { registerReportDownload } from '../reports/download.js';
import { httpStatus } from './status.js';
import { authenticate, type Caller, registerLoginRoutes, sendError } from './login.js';
import { sameSiteCheck } from './same-site.js';

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
  /** Every /api/ request needs a signed-in session (off: the loopback station's local admin). */
  login?: Auth | null;
  /** Serve HTTPS with this certificate. */
  tls?: { cert: string; key: string } | null;
}

/** How often an open event stream checks that its session still lives. */
const streamRecheckMs = 60_000;

/**
 * The station's web server: the console's files, `POST /api/call/<method>` and the
 * `/api/events` WebSocket. Requests whose Host or Origin is not the station itself are refused
 * (DNS rebinding, cross-site posts). With `login`, every /api/ request needs a session (and a
 * POST its CSRF token) and runs with the user's role; without it, callers are the local admin.
 */
export async function startServer(
  transport: StationTransport | StationDispatcher,
  opts: ServeOptions,
): Promise<FastifyInstance> {
  const auth = opts.login ?? null;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  });
  const sameSite = sameSiteCheck({ ...opts, login: auth !== null, tls: Boolean(opts.tls) });

  const callers = new WeakMap<FastifyRequest, Caller>();
  const callerOf = (req: FastifyRequest) => callers.get(req) ?? null;
  // The report download calls the station from a closure that never sees the request.
  const current = new AsyncLocalStorage<CallContext>();
  // A plain transport (tests) ignores the context; the dispatcher runs the call as that user.
  const call = (method: string, params: unknown, context?: CallContext) =>
    context
      ? (transport as StationDispatcher).call(method, params, context)
      : transport.call(method, params);

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    if (!sameSite(req)) {
      await sendError(reply, 403, {
        name: 'DvsanError',
        code: 'forbidden',
        message: 'request from another site or host name refused',
      });
      return;
    }
    if (!auth || req.url === '/api/login') return;
    const caller = await authenticate(auth, req, reply);
    if (caller) callers.set(req, caller);
  });
  app.addHook('preHandler', (req, _reply, done) => {
    const caller = callerOf(req);
    if (caller) current.run(caller.call, done);
    else done();
  });
  if (auth) registerLoginRoutes(app, auth, Boolean(opts.tls), callerOf);
  else
    app.post('/api/login', async (_req, reply) =>
      sendError(reply, 404, {
        name: 'DvsanError',
        code: 'not-found',
        message: 'this station does not use logins: it serves only this machine',
      }),
    );

  app.post<{ Params: { method: string } }>('/api/call/:method', async (req, reply) => {
    if (!req.headers['content-type']?.startsWith('application/json')) {
      return reply.code(415).send({
        ok: false,
        error: {
          name: 'DvsanError',
          code: 'invalid-params',
          message: 'send JSON (Content-Type: application/json)',
        },
      });
    }
    const answer = await call(req.params.method, req.body, callerOf(req)?.call);
    if (answer.ok) return reply.send(answer);
    const code = (answer.error as { code?: ErrorCode }).code;
    return reply.code(httpStatus(code, 422)).send(answer);
  });

  // A dispatcher records that the download came over HTTP; other transports ignore the context.
  registerReportDownload(app, (method, params) =>
    call(method, params, current.getStore() ?? { user: 'local', source: 'http' }),
  );

  app.get('/api/events', { websocket: true }, (socket, req) => {
    const unsubscribe = transport.subscribe((event) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
    });
    // A stream outlives its upgrade request: it ends when its session does.
    const caller = callerOf(req);
    const recheck =
      auth && caller
        ? setInterval(() => {
            auth.signedIn(caller.sessionId).then(
              (s) => s === null && socket.close(4401, 'session ended'),
              () => undefined,
            );
          }, streamRecheckMs)
        : null;
    const stop = () => {
      unsubscribe();
      if (recheck) clearInterval(recheck);
    };
    socket.on('close', stop);
    socket.on('error', stop);
  });

  if (existsSync(opts.rendererDir)) {
    await app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html' });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('The console is not built: run `npm run build`.\n'),
    );
  }
  await app.listen({ host: opts.host, port: opts.port });
  return app;
}
