// 10,000 mutated and random datagrams through a real UDP socket on 127.0.0.1 into a real
// station: nothing crashes, every packet is counted, and nothing in the pool changes.
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../../../protocol/index.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';
import { signed } from './packets.js';

const total = 10_000;
let station: Station;
let client: StationClient;

beforeAll(async () => {
  station = await createStation({
    dataDir: mkdtempSync(join(tmpdir(), 'dvsan-fuzz-')),
    log: createLogger('silent'),
    announce: { listen: { host: '127.0.0.1', port: 0 } },
  });
  client = new StationClient(station.transport);
});
afterAll(() => station.close());

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function mutate(base: Buffer, r: () => number): Buffer {
  const b = Buffer.from(base);
  switch (Math.floor(r() * 6)) {
    case 0: // flip bits
      for (let i = 0; i < 1 + r() * 4; i++)
        b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
      return b;
    case 1: // truncate
      return b.subarray(0, Math.floor(r() * b.length));
    case 2: // random bytes
      return randomBytes(Math.floor(r() * 600));
    case 3: // oversized
      return Buffer.concat([b, Buffer.alloc(5000, 0x20)]);
    case 4: // JSON that is not a packet
      return Buffer.from(
        JSON.stringify({ b: JSON.stringify({ v: 1, kind: 'startup', extra: r() }), m: 'x' }),
      );
    default: // duplicate a field's text somewhere else
      return Buffer.from(
        b.toString('utf8').replace('"kind"', r() > 0.5 ? '"kinds"' : '"kind":"x","kind"'),
      );
  }
}

type Stats = { accepted: number; rejected: Record<string, number> };
const counted = (s: Stats) => s.accepted + Object.values(s.rejected).reduce((a, b) => a + b, 0);

describe('announce listener under fuzzing', () => {
  it(
    'accounts for every one of 10,000 packets, never crashes, and leaves the pool alone',
    { timeout: 60_000 },
    async () => {
      const key = randomBytes(32);
      const nodeId = 'simulated-unit';
      station.setAnnounceKey(nodeId, key);
      const poolBefore = await client.call('pool/get', {});
      const r = rng(42);
      const valid = signed({ nodeId, kind: 'startup' }, key);
      const sock = createSocket('udp4');
      const caughtUp = async (n: number) => {
        for (
          let tries = 0;
          tries < 500 && counted(await client.call('announce/stats', {})) < n;
          tries++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      const { port } = station.announceAddress!;
      let validSent = 0;
      for (let i = 0; i < total; i++) {
        let packet: Buffer;
        if (i % 500 === 0) {
          packet = signed({ nodeId }, key); // a few good ones among the bad
          validSent++;
        } else if (i % 97 === 0)
          packet = valid; // replays of one captured packet
        else packet = mutate(valid, r);
        await new Promise<void>((resolve) => sock.send(packet, port, '127.0.0.1', () => resolve()));
        // Loopback drops what overflows the socket buffer: let the listener catch up.
        if (i % 20 === 19) await caughtUp(i + 1 - 20);
      }
      sock.close();
      await caughtUp(total);
      const stats = await client.call('announce/stats', {});
      expect(counted(stats)).toBe(total);
      // The captured packet was accepted once at most; every other copy is a replay.
      expect(stats.accepted).toBeGreaterThanOrEqual(validSent);
      expect(stats.accepted).toBeLessThanOrEqual(validSent + 1);
      expect(stats.rejected.replay).toBeGreaterThan(50);
      await station.settled();
      expect(await client.call('pool/get', {})).toEqual(poolBefore);
      expect(await client.call('node/list', {})).toEqual([]);
      const events = await client.call('event/list', { limit: 100 });
      // Refusals are summarised per reason, not one event per packet.
      expect(events.length).toBeLessThan(20);
      expect(events.every((e) => e.kind === 'announce.rejected')).toBe(true);
    },
  );
});
