import { type ConnectOptions, SshSession } from './session.js';

/**
 * One connection per node, reused by every task; concurrent callers share one connect
 * attempt instead of racing (the connect mutex).
 */
export class SshPool {
  private readonly sessions = new Map<string, Promise<SshSession>>();

  async get(nodeId: string, connect: () => Promise<ConnectOptions>): Promise<SshSession> {
    const existing = this.sessions.get(nodeId);
    if (existing) {
      const session = await existing.catch(() => null);
      if (session?.isOpen) return session;
      if (this.sessions.get(nodeId) === existing) this.sessions.delete(nodeId);
      const again = this.sessions.get(nodeId);
      if (again) return again;
    }
    const attempt = connect().then((opts) => SshSession.connect(opts));
    this.sessions.set(nodeId, attempt);
    attempt.catch(() => {
      if (this.sessions.get(nodeId) === attempt) this.sessions.delete(nodeId);
    });
    return attempt;
  }

  /** Drops a node's connection, e.g. after its host key or credentials changed. */
  drop(nodeId: string): void {
    const existing = this.sessions.get(nodeId);
    this.sessions.delete(nodeId);
    existing?.then((s) => s.close()).catch(() => undefined);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
