import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  type AnnounceBody,
  type AnnounceRejection,
  announceRejections,
} from '../../protocol/index.js';
import type { EventLog } from '../event-log.js';
import { NonceCache, verifyAnnounce } from './verify.js';

export interface AnnounceStats {
  accepted: number;
  rejected: Record<AnnounceRejection, number>;
}

export interface ListenerDeps {
  keyFor(nodeId: string): Buffer | undefined;
  onAnnounce(body: AnnounceBody, from: RemoteInfo): void;
  events: EventLog;
  now?: () => number;
}

/** Refused packets become one event per reason per this many ms, with a count, not a flood. */
const rejectionEventEveryMs = 10_000;

/**
 * The station's UDP announce listener. Every datagram is either accepted or counted under
 * exactly one rejection reason; nothing a packet carries can throw past this class.
 */
export class AnnounceListener {
  readonly stats: AnnounceStats = {
    accepted: 0,
    rejected: Object.fromEntries(announceRejections.map((r) => [r, 0])) as Record<
      AnnounceRejection,
      number
    >,
  };
  private readonly nonces = new NonceCache();
  private readonly pending = new Map<
    AnnounceRejection,
    { count: number; from: string; timer: NodeJS.Timeout | null }
  >();
  private socket: Socket | null = null;

  constructor(private readonly deps: ListenerDeps) {}

  async listen(host: string, port: number): Promise<{ address: string; port: number }> {
    // A large receive buffer absorbs a whole site announcing at once (the kernel caps it
    // at net.core.rmem_max).
    const socket = createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      reuseAddr: false,
      recvBufferSize: 4 * 1024 * 1024,
    });
    this.socket = socket;
    socket.on('message', (msg, from) => this.handle(msg, from));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    const address = socket.address();
    return { address: address.address, port: address.port };
  }

  /** Verifies one datagram; public so benchmarks and tests can drive it without a socket. */
  handle(datagram: Buffer, from: RemoteInfo): void {
    const now = this.deps.now?.() ?? Date.now();
    let result;
    try {
      result = verifyAnnounce(datagram, { keyFor: this.deps.keyFor, nonces: this.nonces, now });
    } catch {
      result = { ok: false as const, reason: 'unparsable' as const };
    }
    if (!result.ok) {
      this.stats.rejected[result.reason]++;
      this.noteRejection(result.reason, `${from.address}:${from.port}`);
      return;
    }
    this.stats.accepted++;
    this.deps.onAnnounce(result.body, from);
  }

  private noteRejection(reason: AnnounceRejection, from: string): void {
    const entry = this.pending.get(reason);
    if (entry) {
      entry.count++;
      entry.from = from;
      return;
    }
    this.pending.set(reason, { count: 0, from, timer: null });
    void this.deps.events.record(
      'warning',
      'announce.rejected',
      null,
      `refused an announce packet from ${from}: ${reason}`,
      { reason, from },
    );
    const timer = setTimeout(() => this.flush(reason), rejectionEventEveryMs);
    timer.unref();
    this.pending.get(reason)!.timer = timer;
  }

  private flush(reason: AnnounceRejection): void {
    const entry = this.pending.get(reason);
    this.pending.delete(reason);
    if (entry && entry.count > 0) {
      void this.deps.events.record(
        'warning',
        'announce.rejected',
        null,
        `refused ${entry.count} more announce packets (${reason}), the last from ${entry.from}`,
        { reason, count: entry.count, from: entry.from },
      );
    }
  }

  close(): void {
    for (const reason of [...this.pending.keys()]) {
      clearTimeout(this.pending.get(reason)?.timer ?? undefined);
      this.flush(reason);
    }
    this.socket?.close();
    this.socket = null;
  }
}
