import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../../../station/auth/rate-limit.js';

function limiter() {
  let now = 1_000_000;
  const l = new LoginLimiter(() => now);
  return { l, advance: (ms: number) => (now += ms) };
}

describe('login rate limit', () => {
  it('lets five failures through, then makes the user name wait 30 s, doubling', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 4; i++) l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(0);
    l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(30);
    // The name is locked from any address; another name from the same address is not.
    expect(l.retryAfterSeconds('bob', '10.0.0.2')).toBe(30);
    expect(l.retryAfterSeconds('carol', '10.0.0.1')).toBe(0);
    advance(30_000);
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(0);
    l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(60);
  });

  it('caps the wait at 15 minutes', () => {
    const { l } = limiter();
    for (let i = 0; i < 30; i++) l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(900);
  });

  it('limits one address spraying many names', () => {
    const { l } = limiter();
    for (let i = 0; i < 19; i++) l.failed(`user${i}`, '10.0.0.9');
    expect(l.retryAfterSeconds('someone', '10.0.0.9')).toBe(0);
    l.failed('user19', '10.0.0.9');
    expect(l.retryAfterSeconds('someone', '10.0.0.9')).toBe(30);
    expect(l.retryAfterSeconds('someone', '10.0.0.8')).toBe(0);
  });

  it('a good login clears the name’s count; failures an hour old are forgotten', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 4; i++) l.failed('bob', '10.0.0.1');
    l.succeeded('bob');
    l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(0);
    for (let i = 0; i < 3; i++) l.failed('bob', '10.0.0.1');
    advance(61 * 60_000);
    l.failed('bob', '10.0.0.1');
    expect(l.retryAfterSeconds('bob', '10.0.0.1')).toBe(0);
  });
});
