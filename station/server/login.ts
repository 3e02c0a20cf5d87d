import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { csrfHeader, DvsanError, type ErrorShape } from '../../protocol/index.js';
import { type Auth, changesAllowed, csrfMatches, type SessionCall } from '../auth/index.js';

export const sessionCookie = 'dvsan_session';

/** A signed-in request: who calls, and the session id its cookie carried. */
export interface Caller {
  call: SessionCall;
  sessionId: string;
}

/** Loose on purpose: a malformed name is just a failed login, said the same way. */
const loginBody = z.object({ user: z.string().max(64), password: z.string().max(256) }).strict();

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const source = (req: FastifyRequest) => `http ${req.ip}`;

export function sendError(reply: FastifyReply, status: number, error: ErrorShape) {
  return reply.code(status).send({ ok: false, error });
}

const shape = (code: ErrorShape['code'], message: string, details?: Record<string, unknown>) =>
  new DvsanError(code, message, details).toShape();

/**
 * Resolves the session of an /api/ request. Every request needs a live session; a POST (and
 * the event stream's upgrade) also needs the session's CSRF token, in the header or, for the
 * WebSocket, which cannot send headers, in the `csrf` query parameter.
 */
export async function authenticate(
  auth: Auth,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<Caller | null> {
  const sessionId = readCookie(req.headers.cookie, sessionCookie);
  const signedIn = await auth.signedIn(sessionId);
  if (!signedIn || !sessionId) {
    await sendError(
      reply,
      401,
      shape('unauthorized', 'sign in first (your session ended or never began)'),
    );
    return null;
  }
  // `session/me` is how a console that was reloaded learns its token: it only reads, and
  // another site can neither send the Strict cookie nor read the answer.
  const bootstrap = req.url.toLowerCase() === '/api/call/session%2fme';
  const needsToken = (req.method === 'POST' && !bootstrap) || req.url.startsWith('/api/events');
  const token =
    (req.headers[csrfHeader] as string | undefined) ?? (req.query as { csrf?: string }).csrf;
  if (needsToken && !csrfMatches(sessionId, token)) {
    await sendError(reply, 403, shape('forbidden', `missing or wrong CSRF token (${csrfHeader})`));
    return null;
  }
  const { user, session } = signedIn;
  return {
    sessionId,
    call: { user: user.name, role: user.role, csrfToken: session.csrfToken, source: source(req) },
  };
}

/** `POST /api/login` and `POST /api/logout`. */
export function registerLoginRoutes(
  app: FastifyInstance,
  auth: Auth,
  secure: boolean,
  callerOf: (req: FastifyRequest) => Caller | null,
): void {
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${sessionCookie}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;

  app.post('/api/login', async (req, reply) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success)
      return sendError(
        reply,
        400,
        shape('invalid-params', 'send {"user": "...", "password": "..."}', { field: 'user' }),
      );
    try {
      const { user, session, sessionId } = await auth.login(
        body.data.user,
        body.data.password,
        req.ip,
      );
      const maxAge = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
      return reply.header('set-cookie', cookie(sessionId, maxAge)).send({
        ok: true,
        result: {
          user: user.name,
          role: user.role,
          csrfToken: session.csrfToken,
          may: changesAllowed(user.role),
        },
      });
    } catch (err) {
      if (!(err instanceof DvsanError)) throw err;
      const retry = err.details?.retryAfterSeconds;
      if (typeof retry === 'number') reply.header('retry-after', String(retry));
      return sendError(reply, typeof retry === 'number' ? 429 : 401, err.toShape());
    }
  });

  app.post('/api/logout', async (req, reply) => {
    const caller = callerOf(req);
    if (caller) await auth.logout(caller.sessionId, caller.call.user, req.ip);
    return reply.header('set-cookie', cookie('', 0)).send({ ok: true, result: {} });
  });
}
