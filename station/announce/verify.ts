import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type AnnounceBody,
  announceBodySchema,
  announcePacketSchema,
  type AnnounceRejection,
  announceVersion,
  maxAnnounceBytes,
  maxAnnounceSkewMs,
} from '../../protocol/index.js';

export type VerifyResult =
  { ok: true; body: AnnounceBody } | { ok: false; reason: AnnounceRejection; nodeId?: string };

/**
 * Remembers (node, nonce) pairs for as long as a packet carrying them could still pass the
 * clock check, so a captured packet cannot be played back.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs = 2 * maxAnnounceSkewMs + 1000) {}

  /** Records the pair; false when it was already there. */
  remember(nodeId: string, nonce: string, now: number): boolean {
    const key = `${nodeId}/${nonce}`;
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + this.ttlMs);
    if (this.seen.size % 1024 === 0) this.prune(now);
    return true;
  }

  prune(now: number): void {
    // Map keeps insertion order, which is expiry order: stop at the first live entry.
    for (const [key, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}

export interface VerifyContext {
  keyFor(nodeId: string): Buffer | undefined;
  nonces: NonceCache;
  now: number;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Checks one datagram: size, JSON, schema, version, known node, signature, clock, nonce. */
export function verifyAnnounce(datagram: Buffer, ctx: VerifyContext): VerifyResult {
  if (datagram.length > maxAnnounceBytes) return { ok: false, reason: 'oversized' };
  const outer = parse(datagram.toString('utf8'));
  if (outer === undefined) return { ok: false, reason: 'unparsable' };
  const packet = announcePacketSchema.safeParse(outer);
  if (!packet.success) return { ok: false, reason: 'schema' };
  const inner = parse(packet.data.b);
  if (inner === undefined) return { ok: false, reason: 'unparsable' };
  if (typeof inner === 'object' && inner !== null && 'v' in inner && inner.v !== announceVersion) {
    return { ok: false, reason: 'version' };
  }
  const body = announceBodySchema.safeParse(inner);
  if (!body.success) return { ok: false, reason: 'schema' };
  const { nodeId } = body.data;
  const key = ctx.keyFor(nodeId);
  if (!key) return { ok: false, reason: 'unknown-node', nodeId };
  const expected = createHmac('sha256', key).update(packet.data.b, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(packet.data.m, 'hex')))
    return { ok: false, reason: 'signature', nodeId };
  if (body.data.ts < ctx.now - maxAnnounceSkewMs) return { ok: false, reason: 'stale', nodeId };
  if (body.data.ts > ctx.now + maxAnnounceSkewMs) return { ok: false, reason: 'future', nodeId };
  if (!ctx.nonces.remember(nodeId, body.data.nonce, ctx.now))
    return { ok: false, reason: 'replay', nodeId };
  return { ok: true, body: body.data };
}
