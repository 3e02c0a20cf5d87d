import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import {
  csrfHeader,
  DvsanError,
  errorShape,
  type StationEvent,
  stationEventSchema,
  type StationTransport,
} from '../../protocol/index.js';
import { normalizeFingerprint } from '../auth/index.js';
import { loginPasswordEnv, readPassword } from '../auth/prompt.js';

export interface RemoteOptions {
  /** Sign in as this user (password from DVSAN_PASSWORD or a prompt). */
  user?: string;
  /** The station's certificate fingerprint; an HTTPS station is trusted only by it. */
  fingerprint?: string;
}

/**
 * Trusts exactly one certificate, by its SHA-256: a station's self-made certificate has no CA
 * to vouch for it. The socket is handed to HTTP only after the check, so nothing (no password)
 * is ever sent to a server that presented another certificate.
 */
class PinnedAgent extends HttpsAgent {
  constructor(private readonly pin: string) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: ConnectionOptions,
    done: (err: Error | null, socket?: Duplex) => void,
  ): Duplex {
    const socket = tlsConnect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const seen = `SHA256:${socket.getPeerCertificate().fingerprint256}`;
      if (seen === this.pin) return done(null, socket);
      socket.destroy();
      done(
        new DvsanError(
          'forbidden',
          `the station presented certificate ${seen}, not the pinned ${this.pin}: refusing to talk to it`,
        ),
      );
    });
    socket.once('error', (err) => done(err));
    // Node's agent waits for `done` when this returns nothing.
    return undefined as unknown as Duplex;
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** The CLI's way to a running station: the same HTTP + WebSocket API the console uses. */
export function remoteTransport(baseUrl: string, opts: RemoteOptions = {}): StationTransport {
  const base = baseUrl.replace(/\/+$/, '');
  const secure = base.startsWith('https:');
  let agent: PinnedAgent | undefined;
  let refusal: DvsanError | null = null;
  if (secure) {
    const pin = opts.fingerprint ? normalizeFingerprint(opts.fingerprint) : null;
    if (pin) agent = new PinnedAgent(pin);
    else
      refusal = new DvsanError(
        'invalid-params',
        opts.fingerprint
          ? `--fingerprint ${opts.fingerprint} is not a SHA-256 fingerprint (SHA256:AB:CD:… as \`dvsan serve\` prints it)`
          : `${base} serves HTTPS: pin its certificate with --fingerprint SHA256:… (\`dvsan serve\` prints it at start)`,
      );
  }

  const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = JSON.stringify(body ?? {});
      const req = (secure ? httpsRequest : httpRequest)(
        `${base}${path}`,
        {
          method: 'POST',
          agent,
          timeout: 120_000,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            } catch {
              reject(new Error(`HTTP ${res.statusCode} without a JSON body`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in 120 s')));
      req.on('error', reject);
      req.end(payload);
    });

  let session: Promise<Record<string, string>> | null = null;
  const signIn = async (): Promise<Record<string, string>> => {
    if (!opts.user) return {};
    const password = await readPassword(`password for ${opts.user} at ${base}: `, loginPasswordEnv);
    const answer = await send('/api/login', { user: opts.user, password });
    const result = answer.body as { ok: boolean; result?: { csrfToken: string }; error?: unknown };
    if (!result.ok || !result.result) {
      const refused = errorShape.safeParse(result.error);
      throw refused.success
        ? DvsanError.fromShape(refused.data)
        : new DvsanError('login-failed', 'the station refused the login');
    }
    const cookie = [answer.headers['set-cookie'] ?? []].flat()[0]?.split(';')[0] ?? '';
    return { cookie, [csrfHeader]: result.result.csrfToken };
  };
  const credentials = () => {
    if (refusal) return Promise.reject(refusal);
    session ??= signIn();
    session.catch(() => (session = null));
    return session;
  };

  return {
    async call(method, params) {
      try {
        const answer = await send(
          `/api/call/${encodeURIComponent(method)}`,
          params,
          await credentials(),
        );
        if (answer.status === 401 && !opts.user)
          throw new DvsanError(
            'unauthorized',
            `the station at ${base} asks for a login: add --user NAME (the password comes from DVSAN_PASSWORD or a prompt)`,
          );
        return answer.body as { ok: true; result: unknown } | { ok: false; error: unknown };
      } catch (err) {
        if (err instanceof DvsanError) return { ok: false, error: err.toShape() };
        return {
          ok: false,
          error: {
            name: 'DvsanError',
            code: 'internal',
            message: `cannot reach the station at ${base}: ${(err as Error).message}`,
          },
        };
      }
    },
    subscribe(listener: (e: StationEvent) => void) {
      let ws: WebSocket | null = null;
      let closed = false;
      credentials().then(
        (headers) => {
          if (closed) return;
          const csrf = headers[csrfHeader];
          const query = csrf ? `?csrf=${encodeURIComponent(csrf)}` : '';
          ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events${query}`, {
            agent,
            headers: headers.cookie ? { cookie: headers.cookie } : {},
          });
          ws.on('message', (data) => {
            try {
              const parsed = stationEventSchema.safeParse(JSON.parse(String(data)));
              if (parsed.success) listener(parsed.data);
            } catch {
              // Not an event; ignore.
            }
          });
          ws.on('error', () => undefined);
        },
        () => undefined, // calls report the login failure; the stream just stays quiet
      );
      return () => {
        closed = true;
        ws?.close();
      };
    },
  };
}
