import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface AnnounceSender {
  /** Sends one datagram; rejects on a local failure (no route, DNS) or after `timeoutMs`. */
  send(packet: Buffer, timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * UDP to the station. An IP address picks the socket family directly; a hostname is looked up
 * at every send, so a station that moves is followed. Sockets are made on first use, one per
 * family, and socket-level errors are swallowed: the next send reports its own failure.
 */
export function createSender(address: string, port: number): AnnounceSender {
  const sockets = new Map<4 | 6, dgram.Socket>();
  const socketFor = (family: 4 | 6): dgram.Socket => {
    let socket = sockets.get(family);
    if (!socket) {
      socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.on('error', () => sockets.delete(family));
      sockets.set(family, socket);
    }
    return socket;
  };

  const resolve = async (): Promise<{ address: string; family: 4 | 6 }> => {
    const family = isIP(address);
    if (family === 4 || family === 6) return { address, family };
    const found = await lookup(address);
    return { address: found.address, family: found.family === 6 ? 6 : 4 };
  };

  const sendOnce = async (packet: Buffer): Promise<void> => {
    const target = await resolve();
    const socket = socketFor(target.family);
    await new Promise<void>((done, fail) =>
      socket.send(packet, port, target.address, (err) => (err ? fail(err) : done())),
    );
  };

  return {
    send(packet, timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(
          () => fail(new Error(`send timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([sendOnce(packet), timeout]).finally(() => clearTimeout(timer));
    },
    close() {
      for (const socket of sockets.values()) {
        try {
          socket.close();
        } catch {
          // Already closed after an error.
        }
      }
      sockets.clear();
    },
  };
}
