import { randomBytes } from 'node:crypto';
import { DvsanError, type UserRole, type UserView } from '../../protocol/index.js';
import type { Database } from '../db/database.js';
import { loginEntry, type RecordAudit } from './audit.js';
import { defaultScrypt, hashPassword, type ScryptParams, verifyPassword } from './password.js';
import { LoginLimiter } from './rate-limit.js';
import { defaultSessionLimits, type Session, type SessionLimits, Sessions } from './sessions.js';
import { type UserRecord, UsersRepo, userView } from './users-repo.js';

export interface AuthOptions {
  /** Logins and logouts go to the audit log with who, when, from where and the outcome. */
  audit?: RecordAudit;
  scrypt?: ScryptParams;
  sessions?: SessionLimits;
  now?: () => number;
}

export interface SignedIn {
  user: UserRecord;
  session: Session;
}

/** Accounts, password checks, sessions and the login rate limit, in one place. */
export class Auth {
  readonly users: UsersRepo;
  readonly sessions: Sessions;
  private readonly limiter: LoginLimiter;
  /** Names and addresses (u:, a:) whose password is being checked right now. */
  private readonly checking = new Set<string>();
  private readonly scrypt: ScryptParams;
  private readonly audit: RecordAudit;
  private decoy: Promise<string> | null = null;

  constructor(db: Database, opts: AuthOptions = {}) {
    this.users = new UsersRepo(db);
    this.sessions = new Sessions(db, opts.sessions ?? defaultSessionLimits, opts.now);
    this.limiter = new LoginLimiter(opts.now);
    this.scrypt = opts.scrypt ?? defaultScrypt;
    this.audit = opts.audit ?? (() => undefined);
  }

  /**
   * Checks a password and opens a session. Every failure says the same thing whether the
   * name exists or not, and costs the same time; repeated failures must wait.
   */
  async login(
    name: string,
    password: string,
    address: string,
  ): Promise<SignedIn & { sessionId: string }> {
    const source = `http ${address}`;
    const wait = this.limiter.retryAfterSeconds(name, address);
    if (wait > 0) {
      this.audit(loginEntry('session/login', name, source, 'rate-limited'));
      throw new DvsanError('login-failed', `too many failed logins: try again in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
    // One check at a time per name and per address: guesses sent in parallel would all pass
    // the wait above before the first failure counts.
    if (this.checking.has(`u:${name}`) || this.checking.has(`a:${address}`)) {
      this.audit(loginEntry('session/login', name, source, 'rate-limited'));
      throw new DvsanError(
        'login-failed',
        'a login for this name or address is being checked: try again in 1 s',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    this.checking.add(`u:${name}`).add(`a:${address}`);
    let user: Awaited<ReturnType<typeof this.users.byName>>;
    let ok: boolean;
    try {
      user = await this.users.byName(name);
      ok = await verifyPassword(password, user?.passwordHash ?? (await this.decoyHash()));
    } finally {
      this.checking.delete(`u:${name}`);
      this.checking.delete(`a:${address}`);
    }
    if (!user || !ok) {
      this.limiter.failed(name, address);
      this.audit(loginEntry('session/login', name, source, 'wrong user name or password'));
      throw new DvsanError('login-failed', 'wrong user name or password');
    }
    this.limiter.succeeded(name);
    const { id, session } = await this.sessions.create(user.id);
    this.audit(loginEntry('session/login', name, source, null));
    return { user, session, sessionId: id };
  }

  /** The user behind a session cookie, or null when there is no live session. */
  async signedIn(sessionId: string | undefined): Promise<SignedIn | null> {
    const session = await this.sessions.resolve(sessionId);
    if (!session) return null;
    const user = await this.users.byId(session.userId);
    return user ? { user, session } : null;
  }

  async logout(sessionId: string, user: string, address: string): Promise<void> {
    await this.sessions.end(sessionId);
    this.audit(loginEntry('session/logout', user, `http ${address}`, null));
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(userView);
  }

  async add(name: string, role: UserRole, password: string): Promise<UserView> {
    if (await this.users.byName(name))
      throw new DvsanError('conflict', `user ${name} already exists`, { field: 'name' });
    return userView(await this.users.add(name, role, await hashPassword(password, this.scrypt)));
  }

  async remove(name: string): Promise<boolean> {
    const outcome = await this.users.remove(name);
    if (outcome === 'last-admin') throw lastAdmin(name, 'removed');
    return outcome === 'ok';
  }

  async setRole(name: string, role: UserRole): Promise<UserView> {
    const outcome = await this.users.setRole(name, role);
    if (outcome === 'missing') throw missing(name);
    if (outcome === 'last-admin') throw lastAdmin(name, 'demoted');
    return userView((await this.users.byName(name)) as UserRecord);
  }

  /** Sets a password and ends the user's sessions (a reset locks out whoever had it). */
  async setPassword(name: string, password: string): Promise<UserView> {
    const hash = await hashPassword(password, this.scrypt);
    if (!(await this.users.setPasswordHash(name, hash))) throw missing(name);
    const user = (await this.users.byName(name)) as UserRecord;
    await this.sessions.endAllOf(user.id);
    return userView(user);
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword(randomBytes(24).toString('base64'), this.scrypt);
    return this.decoy;
  }
}

const missing = (name: string) => new DvsanError('not-found', `no user ${name}`, { field: 'name' });
const lastAdmin = (name: string, what: string) =>
  new DvsanError(
    'conflict',
    `${name} is the last admin and cannot be ${what}: make another user admin first`,
  );
