import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NonceCache, verifyAnnounce } from '../../../../station/announce/verify.js';
import { signed } from './packets.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keys = new Map([
  ['a', keyA],
  ['b', keyB],
]);
const ctx = (now = Date.now()) => ({
  keyFor: (id: string) => keys.get(id),
  nonces: new NonceCache(),
  now,
});

describe('verifyAnnounce', () => {
  it('accepts a well-signed, fresh packet once, and refuses its replay', () => {
    const c = ctx();
    const packet = signed({ nodeId: 'a' }, keyA);
    expect(verifyAnnounce(packet, c)).toMatchObject({ ok: true, body: { nodeId: 'a' } });
    expect(verifyAnnounce(packet, c)).toEqual({ ok: false, reason: 'replay', nodeId: 'a' });
  });

  it('refuses a packet signed with another node’s key', () => {
    expect(verifyAnnounce(signed({ nodeId: 'a' }, keyB), ctx())).toEqual({
      ok: false,
      reason: 'signature',
      nodeId: 'a',
    });
  });

  it('refuses unknown nodes, stale and future packets', () => {
    expect(verifyAnnounce(signed({ nodeId: 'zz' }, keyA), ctx())).toMatchObject({
      reason: 'unknown-node',
    });
    expect(
      verifyAnnounce(signed({ nodeId: 'a', ts: Date.now() - 60_000 }, keyA), ctx()),
    ).toMatchObject({ reason: 'stale' });
    expect(
      verifyAnnounce(signed({ nodeId: 'a', ts: Date.now() + 60_000 }, keyA), ctx()),
    ).toMatchObject({ reason: 'future' });
  });

  it('names what is wrong with malformed packets', () => {
    const c = ctx();
    expect(verifyAnnounce(Buffer.alloc(5000, 32), c)).toMatchObject({ reason: 'oversized' });
    expect(verifyAnnounce(Buffer.from('{"b":'), c)).toMatchObject({ reason: 'unparsable' });
    expect(verifyAnnounce(Buffer.from('{"b":"{}"}'), c)).toMatchObject({ reason: 'schema' });
    expect(
      verifyAnnounce(Buffer.from(JSON.stringify({ b: 'nope', m: '0'.repeat(64) })), c),
    ).toMatchObject({ reason: 'unparsable' });
    expect(verifyAnnounce(signed({ nodeId: 'a', v: 2 as 1 }, keyA), c)).toMatchObject({
      reason: 'version',
    });
    expect(
      verifyAnnounce(signed({ nodeId: 'a', kind: 'reboot' as 'startup' }, keyA), c),
    ).toMatchObject({ reason: 'schema' });
    const truncated = signed({ nodeId: 'a' }, keyA);
    expect(verifyAnnounce(truncated.subarray(0, truncated.length - 10), c)).toMatchObject({
      reason: 'unparsable',
    });
  });

  it('forgets nonces only after they could no longer pass the clock check', () => {
    const cache = new NonceCache(1000);
    expect(cache.remember('a', 'n', 0)).toBe(true);
    expect(cache.remember('a', 'n', 999)).toBe(false);
    expect(cache.remember('a', 'n', 1001)).toBe(true);
    cache.prune(5000);
    expect(cache.size).toBe(0);
  });
});
