import { stationEventSchema, type StationEvent } from '../../protocol/station-api.js';
import { csrfHeader } from '../../protocol/users.js';
import { Listeners, unreachable, type CallAnswer, type LiveTransport } from './connection.js';

export interface HttpTransportOptions {
  /** Origin of the station, e.g. "http://127.0.0.1:7300"; default: the page's own origin. */
  origin?: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** Reconnect delays: start, doubling up to max. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The station over its web server: calls are `POST /api/call/<method>`, events come over one
 * shared WebSocket at `/api/events` that reconnects with bounded backoff.
 */
export class HttpTransport implements LiveTransport {
  private readonly listeners = new Listeners<[StationEvent]>();
  private readonly reconnectListeners = new Listeners<[]>();
  private readonly connectionListeners = new Listeners<[boolean]>();
  private readonly unauthorizedListeners = new Listeners<[]>();
  private csrfToken: string | null = null;
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  // Events may have been missed if we were ever connected, or ever failed to connect.
  private missedEvents = false;
  private isConnected = false;

  constructor(private readonly options: HttpTransportOptions = {}) {}

  get connected(): boolean {
    return this.isConnected;
  }

  /**
   * The session's CSRF token (from login or `session/me`): sent on every call and when the
   * event stream opens. A new token reopens the stream under the new session.
   */
  setCsrfToken(token: string | null): void {
    if (token === this.csrfToken) return;
    this.csrfToken = token;
    if (this.socket) {
      this.close();
      if (this.listeners.size > 0) this.connect();
    }
  }

  /** Called when the station answers 401: the session ended, sign in again. */
  onUnauthorized(listener: () => void): () => void {
    return this.unauthorizedListeners.add(listener);
  }

  async call(method: string, params: unknown): Promise<CallAnswer> {
    // One path segment ("node%2Flist"), which both a `:method` and a wildcard route decode.
    const answer = await this.post(`/api/call/${encodeURIComponent(method)}`, params);
    if (answer.status === 401) this.unauthorizedListeners.emit();
    return answer.answer;
  }

  /** `POST /api/login`: the station sets the session cookie; the token is kept for calls. */
  async login(user: string, password: string): Promise<CallAnswer> {
    const { answer } = await this.post('/api/login', { user, password });
    if (answer.ok) this.setCsrfToken((answer.result as { csrfToken: string }).csrfToken);
    return answer;
  }

  async logout(): Promise<void> {
    await this.post('/api/logout', {});
    this.setCsrfToken(null);
  }

  private async post(
    path: string,
    params: unknown,
  ): Promise<{ status: number; answer: CallAnswer }> {
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(`${this.httpOrigin()}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.csrfToken ? { [csrfHeader]: this.csrfToken } : {}),
        },
        body: JSON.stringify(params ?? {}),
      });
    } catch (err) {
      return { status: 0, answer: unreachable(err) };
    }
    const status = response.status;
    // The body is authoritative (it carries the error code); the status only mirrors it.
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return {
        status,
        answer: internal(`the station answered HTTP ${status} without a JSON body`),
      };
    }
    if (isAnswer(body)) return { status, answer: body };
    return {
      status,
      answer: internal(`the station answered HTTP ${status} with an unexpected body`),
    };
  }

  subscribe(listener: (event: StationEvent) => void): () => void {
    const remove = this.listeners.add(listener);
    if (!this.socket && !this.retryTimer) this.connect();
    return () => {
      remove();
      if (this.listeners.size === 0) this.close();
    };
  }

  onReconnect(listener: () => void): () => void {
    return this.reconnectListeners.add(listener);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    return this.connectionListeners.add(listener);
  }

  private connect(): void {
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    let socket: WebSocket;
    try {
      // A WebSocket cannot carry headers: the token rides in the query.
      const query = this.csrfToken ? `?csrf=${encodeURIComponent(this.csrfToken)}` : '';
      socket = new Socket(`${this.wsOrigin()}/api/events${query}`);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setConnected(true);
      if (this.missedEvents) this.reconnectListeners.emit();
      this.missedEvents = true;
    };
    socket.onmessage = (message: MessageEvent) => {
      const event = parseEvent(message.data);
      if (event) this.listeners.emit(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return; // closed on purpose
      this.socket = null;
      this.missedEvents = true;
      this.setConnected(false);
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    const min = this.options.minDelayMs ?? 500;
    const max = this.options.maxDelayMs ?? 10_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter so a room of consoles does not hit a restarted station in the same millisecond.
    const delay = Math.min(max, base * (0.8 + Math.random() * 0.4));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.listeners.size > 0) this.connect();
    }, delay);
  }

  private close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.setConnected(false);
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    this.connectionListeners.emit(connected);
  }

  private httpOrigin(): string {
    return this.options.origin ?? '';
  }

  private wsOrigin(): string {
    const origin = this.options.origin ?? `${location.protocol}//${location.host}`;
    return origin.replace(/^http(s?):/, 'ws$1:');
  }
}

function parseEvent(data: unknown): StationEvent | null {
  if (typeof data !== 'string') return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = stationEventSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

function isAnswer(body: unknown): body is CallAnswer {
  if (typeof body !== 'object' || body === null) return false;
  const answer = body as Record<string, unknown>;
  return (answer.ok === true && 'result' in answer) || (answer.ok === false && 'error' in answer);
}

function internal(message: string): CallAnswer {
  return { ok: false, error: { name: 'DvsanError', code: 'internal', message } };
}
