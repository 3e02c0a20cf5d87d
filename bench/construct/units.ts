// Simulated units for the construct benchmark: ids, announce keys, generated storage
// inventories and signed announce datagrams. Everything comes from a seeded generator, so two
// runs simulate the same 1,000 units with the same numbers.
import { createHmac, randomBytes } from 'node:crypto';
import {
  announceBodySchema,
  announceVersion,
  storageInventorySchema,
  type AgentMethod,
  type AgentParams,
  type AgentResult,
  type AnnounceBody,
  type AnnounceKind,
  type StorageInventory,
} from '../../protocol/index.js';
import { newNodeRecord, type NodeRecord } from '../../station/db/nodes-repo.js';
import type { AgentLink } from '../../station/nodes/service.js';

export interface SimUnit {
  id: string;
  name: string;
  key: Buffer;
  /** 10.<x>.<y>.<z>: distinct per unit (the nodes table wants address+port unique). */
  address: string;
  mac: string;
  inventory: StorageInventory;
}

/** mulberry32: small, fast, seeded; good enough to spread plausible numbers. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** 1–4 directory pools of 0.5–16 TiB, 0–20 file volumes that fit in them. */
function generateInventory(rand: () => number, unit: number): StorageInventory {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pools = Array.from({ length: int(1, 4) }, (_, k) => {
    const path = `/srv/dvsan/data${k}`;
    const totalBytes = int(512, 16 * 1024) * GiB;
    return { id: `dir:${path}`, kind: 'directory' as const, path, totalBytes, freeBytes: 0 };
  });
  const allocated = new Map<string, number>();
  const volumes = Array.from({ length: int(0, 20) }, (_, k) => {
    const pool = pools[int(0, pools.length - 1)]!;
    // Volumes up to 1/40 of their pool, so even 20 in one pool fit.
    const sizeBytes = int(1, Math.max(1, Math.floor(pool.totalBytes / GiB / 40))) * GiB;
    // File volumes are sparse: 5–100 % of their size is really written.
    const allocatedBytes = Math.floor((sizeBytes * int(5, 100)) / 100 / 4096) * 4096;
    allocated.set(pool.id, (allocated.get(pool.id) ?? 0) + allocatedBytes);
    const id = `u${unit}-v${k}`;
    return {
      id,
      name: id,
      pool: pool.id,
      sizeBytes,
      allocatedBytes,
      backing: `${pool.path}/volumes/${id}.img`,
      offset: 0,
      exported: rand() < 0.5,
    };
  });
  for (const p of pools) {
    // Used space is at least what the volumes hold; the rest is other files on the filesystem.
    const used = (allocated.get(p.id) ?? 0) + int(1, 400) * MiB * 64;
    const headroom = Math.floor(rand() * 0.85 * Math.max(0, p.totalBytes - used));
    p.freeBytes = Math.max(0, p.totalBytes - used - headroom);
  }
  return storageInventorySchema.parse({ pools, volumes });
}

export function makeUnits(count: number, seed = 20261126): SimUnit[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const hex = (n >>> 0).toString(16).padStart(6, '0');
    const key = Buffer.alloc(32);
    for (let b = 0; b < 32; b++) key[b] = Math.floor(rand() * 256);
    return {
      id: `sim-${String(n).padStart(4, '0')}`,
      name: `unit-${String(n).padStart(4, '0')}`,
      key,
      address: `10.${100 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`,
      mac: `02:00:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`,
      inventory: generateInventory(rand, n),
    };
  });
}

/** The row the station needs before it listens to a unit: trusted, role unit, health unknown. */
export function nodeRecord(u: SimUnit, createdAt: string): NodeRecord {
  const row = newNodeRecord(
    {
      id: u.id,
      name: u.name,
      role: 'unit',
      address: u.address,
      port: 22,
      user: 'root',
      authKind: 'key',
      keyPath: '/dev/null',
      secretEnc: null,
      hostKeyFingerprint: `SHA256:sim${u.id}`,
      hostKeyState: 'trusted',
    },
    createdAt,
  );
  return { ...row, state: 'ready' };
}

export const heartbeatSeconds = 5;

/** One signed datagram as the unit's daemon sends it (fresh ts and nonce). */
export function announceDatagram(u: SimUnit, kind: AnnounceKind, now = Date.now()): Buffer {
  const body: AnnounceBody = {
    v: announceVersion,
    kind,
    nodeId: u.id,
    hostname: u.name,
    agentVersion: '0.1.0',
    ts: now,
    nonce: randomBytes(16).toString('hex'),
    interval: heartbeatSeconds,
    ...(kind === 'startup'
      ? {
          nics: [
            { name: 'eth0', mac: u.mac, addresses: [`${u.address}/16`] },
            { name: 'eth1', mac: u.mac.replace(/^02/, '06'), addresses: [] },
          ],
        }
      : {}),
  };
  const b = JSON.stringify(body);
  const m = createHmac('sha256', u.key).update(b, 'utf8').digest('hex');
  return Buffer.from(JSON.stringify({ b, m }), 'utf8');
}

/** The same datagram with one hex digit of the signature changed: refused as 'signature'. */
export function forged(datagram: Buffer): Buffer {
  const packet = JSON.parse(datagram.toString('utf8')) as { b: string; m: string };
  const flipped = (packet.m[0] === '0' ? '1' : '0') + packet.m.slice(1);
  return Buffer.from(JSON.stringify({ b: packet.b, m: flipped }), 'utf8');
}

/** `count` datagrams of `kind`, round robin over the units. */
export function announceBatch(units: SimUnit[], kind: AnnounceKind, count: number): Buffer[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) =>
    announceDatagram(units[i % units.length]!, kind, now),
  );
}

/** Checks the generator against the protocol once, so a bad body fails loudly, not as 'schema'. */
export function checkDatagram(d: Buffer): void {
  const packet = JSON.parse(d.toString('utf8')) as { b: string };
  announceBodySchema.parse(JSON.parse(packet.b));
}

export interface AgentCalls {
  /** performance.now() of the first and last answered storage.inventory call. */
  first: number | null;
  last: number | null;
  count: number;
}

/**
 * The station's `connectAgent`: an in-process agent per unit that answers storage.inventory
 * (and agent.hello) after `latencyMs`, standing in for an open SSH channel's round trip.
 */
export function simulatedAgents(
  units: SimUnit[],
  latencyMs: number,
  calls: AgentCalls,
): (nodeId: string) => Promise<AgentLink> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const wait = () =>
    latencyMs > 0 ? new Promise<void>((r) => setTimeout(r, latencyMs)) : Promise.resolve();
  return async (nodeId) => {
    const unit = byId.get(nodeId);
    if (!unit) throw new Error(`no simulated unit ${nodeId}`);
    return {
      async call<M extends AgentMethod>(method: M, _params: AgentParams<M>) {
        await wait();
        let result: unknown;
        if (method === 'storage.inventory') {
          // A copy, as the bytes off the wire would be: the station must not share our object.
          result = structuredClone(unit.inventory);
          const now = performance.now();
          calls.first ??= now;
          calls.last = now;
          calls.count++;
        } else if (method === 'agent.hello') {
          result = { version: '0.1.0', protocol: 1, capabilities: ['storage.inventory'] };
        } else {
          throw new Error(`the simulated agent does not answer ${method}`);
        }
        return result as AgentResult<M>;
      },
    };
  };
}

/** What the pool must show once every unit is in: per unit and summed. */
export interface ExpectedUnit {
  totalBytes: number;
  freeBytes: number;
  allocatedBytes: number;
  volumeCount: number;
}

export function expectedUnit(u: SimUnit): ExpectedUnit {
  return {
    totalBytes: u.inventory.pools.reduce((s, p) => s + p.totalBytes, 0),
    freeBytes: u.inventory.pools.reduce((s, p) => s + p.freeBytes, 0),
    allocatedBytes: u.inventory.volumes.reduce((s, v) => s + v.allocatedBytes, 0),
    volumeCount: u.inventory.volumes.length,
  };
}
