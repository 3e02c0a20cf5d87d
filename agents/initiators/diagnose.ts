import net from 'node:net';
import { DvsanError } from '../../protocol/errors.js';
import type { AttachParams, LoginFailureReason } from '../../protocol/initiators.js';

export interface LoginContext {
  target: AttachParams['target'];
  initiatorIqn: string;
  chapUser: string | null;
  timeoutMs: number;
}

/** A login failure's cause: one reason, and the other it may be when the target can't tell. */
export interface Diagnosis {
  reason: LoginFailureReason;
  /** What the initiator or a probe said, one line, never a secret. */
  said: string;
  /** tgt (and open-iscsi's exit codes) answer an ACL refusal like a missing target. */
  maybe?: LoginFailureReason;
}

const portalText = (ctx: LoginContext) => `${ctx.target.portal.address}:${ctx.target.portal.port}`;

/** The message for each reason says what is wrong and what to fix. */
function explain(d: Diagnosis, ctx: LoginContext): string {
  const portal = portalText(ctx);
  const target = ctx.target.iqn;
  switch (d.reason) {
    case 'portal-unreachable':
      return (
        `cannot reach the unit's iSCSI portal ${portal} (${d.said}): check that the unit is up, ` +
        `that its target daemon listens on ${portal}, and that this host has a route to it`
      );
    case 'chap-rejected':
      return (
        `target ${target} rejected CHAP user ${ctx.chapUser ?? '(none)'} from ${ctx.initiatorIqn}: ` +
        `the host's CHAP user or secret does not match the export's; export the volume to this ` +
        `host again so both sides get the same credentials` +
        (d.maybe === 'acl-denied' ? ', and check that its ACL lists this host' : '')
      );
    case 'acl-denied':
      return (
        `target ${target} refuses initiator ${ctx.initiatorIqn}: the export's ACL does not list ` +
        `this host's IQN; export the volume to ${ctx.initiatorIqn}`
      );
    case 'target-missing':
      return (
        `target ${target} is not offered at ${portal} to ${ctx.initiatorIqn}: the unit does not ` +
        `export it (check export.list on the unit and export the volume again)` +
        (d.maybe === 'acl-denied'
          ? `, or its ACL does not list ${ctx.initiatorIqn} (the target answers both alike)`
          : '')
      );
    case 'timeout':
      return (
        `login to ${target} at ${portal} did not finish within ${Math.round(ctx.timeoutMs / 1000)} s ` +
        `(${d.said}): the unit or the network is slow or dropping packets; retry, or raise timeoutMs`
      );
  }
}

export function loginFailed(d: Diagnosis, ctx: LoginContext): DvsanError {
  return new DvsanError('login-failed', explain(d, ctx), {
    reason: d.reason,
    ...(d.maybe ? { maybe: d.maybe } : {}),
    portal: portalText(ctx),
    target: ctx.target.iqn,
    initiatorIqn: ctx.initiatorIqn,
    said: d.said,
  });
}

/**
 * A plain TCP connect to the portal: whether anything listens there at all, told apart from
 * what the iSCSI login says. Null when it connects.
 */
export function probePortal(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<Diagnosis | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (d: Diagnosis | null) => {
      socket.destroy();
      resolve(d);
    };
    socket.setTimeout(timeoutMs, () =>
      done({
        reason: 'portal-unreachable',
        said: `no answer within ${Math.round(timeoutMs / 1000)} s`,
      }),
    );
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const words: Record<string, string> = {
        ECONNREFUSED: 'connection refused: nothing listens on that port',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
        ETIMEDOUT: 'connection timed out',
      };
      done({ reason: 'portal-unreachable', said: words[err.code ?? ''] ?? err.message });
    });
  });
}

/**
 * libiscsi (qemu's iSCSI driver) ends a failed login with `Status: <text>(<number>)`: the
 * login response's status class and detail as one number (RFC 3720 10.13.5). Decided on the
 * number, not the words.
 */
export function classifyLibiscsi(output: string): Diagnosis | null {
  const match = /Status: ([^(\n]*)\((\d+)\)/.exec(output);
  if (!match) return null;
  const said = `${match[1]!.trim()} (${match[2]})`;
  switch (Number(match[2])) {
    case 0x0201:
      return { reason: 'chap-rejected', said };
    case 0x0202:
      return { reason: 'acl-denied', said };
    case 0x0203:
    case 0x0204:
      return { reason: 'target-missing', said, maybe: 'acl-denied' };
    default:
      return null;
  }
}

/** iscsiadm's exit codes (open-iscsi include/iscsi_err.h) that explain a failed login. */
export const iscsiadmExit = {
  trans: 4,
  login: 5,
  idbm: 6,
  transTimeout: 8,
  pduTimeout: 11,
  sessExists: 15,
  fatalLogin: 19,
  noObjsFound: 21,
  loginAuthFailed: 24,
} as const;

export function classifyIscsiadm(code: number, said: string): Diagnosis | null {
  switch (code) {
    case iscsiadmExit.trans:
      return { reason: 'portal-unreachable', said };
    case iscsiadmExit.transTimeout:
    case iscsiadmExit.pduTimeout:
      return { reason: 'timeout', said };
    // iscsid maps "authentication failed" and "forbidden" to the same code.
    case iscsiadmExit.loginAuthFailed:
      return { reason: 'chap-rejected', said, maybe: 'acl-denied' };
    // Target not found or removed.
    case iscsiadmExit.fatalLogin:
      return { reason: 'target-missing', said, maybe: 'acl-denied' };
    default:
      return null;
  }
}
