import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type ErrorCode, type StationTransport } from '../../protocol/index.js';

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
}

const statusFor: Partial<Record<ErrorCode, number>> = {
  'invalid-params': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

/**
 * The station's web server: the console's files, `POST /api/call/<method>` and the
 * `/api/events` WebSocket. Only loopback is served until login arrives, and requests whose
 * Host or Origin is not the station itself are refused (DNS rebinding, cross-site posts).
 */
export async function startServer(
  transport: StationTransport,
  opts: ServeOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const allowedHosts = new Set([
    `127.0.0.1:${opts.port}`,
    `localhost:${opts.port}`,
    `[::1]:${opts.port}`,
    `${opts.host}:${opts.port}`,
  ]);
  const sameSite = (req: FastifyRequest) => {
    if (!allowedHosts.has(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || allowedHosts.has(origin.replace(/^https?:\/\//, ''));
  };

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/') && !sameSite(req)) {
      await reply.code(403).send({
        ok: false,
        error: {
          name: 'DvsanError',
          code: 'forbidden',
          message: 'request from another site or host name refused',
        },
      });
    }
  });

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
    const answer = await transport.call(req.params.method, req.body);
    if (answer.ok) return reply.send(answer);
    const code = (answer.error as { code?: ErrorCode }).code;
    return reply.code((code && statusFor[code]) ?? 422).send(answer);
  });

  app.get('/api/events', { websocket: true }, (socket) => {
    const unsubscribe = transport.subscribe((event) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
    });
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
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
