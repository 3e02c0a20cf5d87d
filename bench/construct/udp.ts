// UDP for the construct benchmark: the sender worker (sender.mjs) and the kernel's count of
// datagrams dropped at the listener's socket.
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../../station/paths.js';

export interface SendResult {
  /** Epoch ms (performance.timeOrigin + performance.now()) of the first and last send call. */
  firstAt: number;
  lastAt: number;
  sent: number;
  /** Sends the kernel refused at the sending side (none expected on loopback). */
  errors: number;
}

type Reply =
  { type: 'ready' } | ({ type: 'sent' } & SendResult) | { type: 'error'; message: string };

/** Epoch ms with sub-ms precision, comparable with the worker's. */
export const epochNow = () => performance.timeOrigin + performance.now();

export class Sender {
  /** One request at a time: replies carry no id. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly worker: Worker) {}

  static async start(host: string, port: number, sockets: number): Promise<Sender> {
    const worker = new Worker(join(projectRoot(), 'bench', 'construct', 'sender.mjs'));
    const sender = new Sender(worker);
    await sender.ask({ type: 'init', host, port, sockets });
    return sender;
  }

  private ask(msg: object, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const next = this.queue.then(() => this.askNow(msg, transfer));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private askNow(msg: object, transfer: ArrayBuffer[]): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        this.worker.off('error', onError);
        if (reply.type === 'error') reject(new Error(`sender: ${reply.message}`));
        else resolve(reply);
      };
      const onError = (err: Error) => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(msg, transfer);
    });
  }

  /**
   * Sends the datagrams; `rate` 0 sends as fast as the sockets take them, otherwise about
   * `rate` per second in bursts of `burst`.
   */
  async send(datagrams: Buffer[], rate = 0, burst = 50, port?: number): Promise<SendResult> {
    const offsets = new Uint32Array(datagrams.length + 1);
    let at = 0;
    datagrams.forEach((d, i) => {
      offsets[i] = at;
      at += d.length;
    });
    offsets[datagrams.length] = at;
    const bytes = new Uint8Array(at);
    datagrams.forEach((d, i) => bytes.set(d, offsets[i]));
    const reply = await this.ask({ type: 'send', bytes, offsets, rate, burst, port }, [
      bytes.buffer,
      offsets.buffer,
    ]);
    if (reply.type !== 'sent') throw new Error(`sender answered ${reply.type}`);
    return { firstAt: reply.firstAt, lastAt: reply.lastAt, sent: reply.sent, errors: reply.errors };
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }
}

/**
 * Datagrams the kernel dropped at the socket bound to 127.0.0.1:port because its receive
 * buffer was full: the last column of /proc/net/udp.
 */
export async function socketDrops(port: number): Promise<number> {
  const text = await readFile('/proc/net/udp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols[cols.length - 1]);
  }
  throw new Error(`no UDP socket on 127.0.0.1:${port} in /proc/net/udp`);
}

/** net.core.rmem_max: the most the listener's 4 MiB receive buffer request can get. */
export async function rmemMax(): Promise<number> {
  return Number((await readFile('/proc/sys/net/core/rmem_max', 'utf8')).trim());
}

/**
 * The UDP baseline: a bare socket like the listener's (same 4 MiB receive buffer) that only
 * counts datagrams. What Node's dgram path costs before any verification.
 */
export async function bareSocketRun(
  sender: Sender,
  batch: Buffer[],
): Promise<{ received: number; firstAt: number; lastAt: number; send: SendResult; drops: number }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let received = 0;
  let lastAt = 0;
  socket.on('message', () => {
    received++;
    lastAt = epochNow();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    const port = socket.address().port;
    const drops0 = await socketDrops(port);
    const send = await sender.send(batch, 0, 50, port);
    let drops = 0;
    // Done when every datagram was received or dropped, or nothing arrived for 3 s.
    for (let quiet = 0; quiet < 3000; quiet++) {
      const before = received;
      await new Promise((r) => setTimeout(r, 1));
      drops = (await socketDrops(port)) - drops0;
      if (received + drops + send.errors >= batch.length) break;
      if (received !== before) quiet = 0;
    }
    return { received, firstAt: send.firstAt, lastAt, send, drops };
  } finally {
    socket.close();
  }
}
