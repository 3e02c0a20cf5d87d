import type { ClientChannel } from 'ssh2';
import {
  type AgentMethod,
  type AgentParams,
  type AgentResult,
  agentMethods,
  DvsanError,
  errorShape,
  maxRpcLineBytes,
  rpcResponseSchema,
} from '../protocol/index.js';
import type { SshSession } from './ssh/session.js';

interface Pending {
  method: AgentMethod;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * JSON-RPC 2.0 over one long-lived `dvsan-agent rpc` process per node, line by line on the
 * exec channel. Answers are validated with the method's schema before anyone sees them.
 */
export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  private closed = false;
  private stderrTail = '';

  private constructor(private readonly channel: ClientChannel) {
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    channel.on('close', () =>
      this.fail(
        new DvsanError(
          'agent-error',
          `the agent on the node exited${this.stderrTail ? `: ${this.stderrTail.trim().slice(-300)}` : ''}`,
          { exited: true },
        ),
      ),
    );
  }

  static open(session: SshSession, command: string): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      session.client.exec(command, (err, channel) => {
        if (err)
          reject(
            new DvsanError('agent-error', `cannot start the agent on the node: ${err.message}`),
          );
        else resolve(new AgentClient(channel));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  call<M extends AgentMethod>(
    method: M,
    params: AgentParams<M>,
    timeoutMs = 30_000,
  ): Promise<AgentResult<M>> {
    if (this.closed)
      return Promise.reject(
        new DvsanError('agent-error', 'the agent connection is closed', { exited: true }),
      );
    const id = this.nextId++;
    return new Promise<AgentResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new DvsanError(
            'agent-error',
            `the agent did not answer ${method} within ${timeoutMs / 1000} s`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.channel.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  close(): void {
    if (this.closed) return;
    this.channel.end();
    this.fail(new DvsanError('agent-error', 'the agent connection was closed'));
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    if (this.buffer.length > maxRpcLineBytes && !this.buffer.includes('\n')) {
      this.fail(new DvsanError('agent-error', 'the agent sent an oversized message'));
      this.channel.close();
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim()) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let parsed: ReturnType<typeof rpcResponseSchema.safeParse>;
    try {
      parsed = rpcResponseSchema.safeParse(JSON.parse(line));
    } catch {
      return; // not a protocol line; the agent never writes anything else to stdout
    }
    if (!parsed.success || typeof parsed.data.id !== 'number') return;
    const waiting = this.pending.get(parsed.data.id);
    if (!waiting) return;
    this.pending.delete(parsed.data.id);
    clearTimeout(waiting.timer);
    if ('error' in parsed.data) {
      const data = errorShape.safeParse(parsed.data.error.data);
      waiting.reject(
        data.success
          ? DvsanError.fromShape(data.data)
          : new DvsanError(
              'agent-error',
              `the agent failed ${waiting.method}: ${parsed.data.error.message}`,
            ),
      );
      return;
    }
    const result = agentMethods[waiting.method].result.safeParse(parsed.data.result);
    if (result.success) waiting.resolve(result.data);
    else
      waiting.reject(
        new DvsanError(
          'agent-error',
          `the agent's answer to ${waiting.method} failed validation: ${result.error.issues[0]?.message ?? ''}`,
        ),
      );
  }

  private fail(err: Error): void {
    this.closed = true;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(err);
      this.pending.delete(id);
    }
  }
}
