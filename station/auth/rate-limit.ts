export interface LimitRule {
  /** Failures allowed before a wait is imposed. */
  freeFailures: number;
  /** The first wait; each further failure doubles it, up to `maxWaitMs`. */
  baseWaitMs: number;
  maxWaitMs: number;
}

/** Per user name: 5 failures, then 30 s, 60 s, 2 min … up to 15 min between tries. */
export const userRule: LimitRule = { freeFailures: 5, baseWaitMs: 30_000, maxWaitMs: 15 * 60_000 };
/** Per client address: roomier, since an office may share one address. */
export const addressRule: LimitRule = {
  freeFailures: 20,
  baseWaitMs: 30_000,
  maxWaitMs: 15 * 60_000,
};

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

/** Failures this long after the last one start counting afresh. */
const forgetAfterMs = 60 * 60_000;
/** A bound on memory: a spray of made-up names cannot grow the table without end. */
const maxEntries = 10_000;

/** Failure counts for one kind of key (user names, or client addresses), in memory. */
export class FailureCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly rule: LimitRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  waitMs(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.lastFailure > forgetAfterMs) {
      entry = { failures: 0, lockedUntil: 0, lastFailure: now };
      this.entries.delete(key);
      this.makeRoom();
      this.entries.set(key, entry);
    }
    entry.failures += 1;
    entry.lastFailure = now;
    const over = entry.failures - this.rule.freeFailures;
    if (over >= 0)
      entry.lockedUntil = now + Math.min(this.rule.maxWaitMs, this.rule.baseWaitMs * 2 ** over);
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private makeRoom(): void {
    if (this.entries.size < maxEntries) return;
    // Map keeps insertion order: the first key is the one created longest ago.
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}

/** Login attempts limited per user name and per client address. */
export class LoginLimiter {
  private readonly users: FailureCounter;
  private readonly addresses: FailureCounter;

  constructor(now: () => number = Date.now, rules = { user: userRule, address: addressRule }) {
    this.users = new FailureCounter(rules.user, now);
    this.addresses = new FailureCounter(rules.address, now);
  }

  /** Whole seconds to wait before this user may try from this address; 0 when allowed now. */
  retryAfterSeconds(user: string, address: string): number {
    const ms = Math.max(this.users.waitMs(user), this.addresses.waitMs(address));
    return Math.ceil(ms / 1000);
  }

  failed(user: string, address: string): void {
    this.users.fail(user);
    this.addresses.fail(address);
  }

  /** Clears the user's count only: one good account must not wipe an address's guesses. */
  succeeded(user: string): void {
    this.users.succeed(user);
  }
}
