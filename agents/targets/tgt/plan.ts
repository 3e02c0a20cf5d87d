// What to tell tgtd, worked out from what it has (the parsed `show` output) and what is wanted.
// Pure functions: the backend runs the steps in order, and tests check them as argv lists.
//
// tgt's model differs from LIO's in ways that shape these plans:
// - CHAP accounts are global (one password per user name) and bound to targets, not to
//   initiators; a target has any number of incoming accounts and at most one outgoing one.
// - A login is admitted when an address rule or an initiator-name rule matches, and refused
//   when the target has no rule at all. So a target with no rule denies everyone, name rules
//   alone admit exactly those initiators, and any address rule ("ALL"!) would widen that.
// - A target with incoming accounts demands CHAP from every initiator; one without, from none.
// The steps are ordered so that no moment admits more than the old or the new state does.
import { isIP } from 'node:net';
import { ExportConflictError, InvalidExportError } from '../errors.js';
import type { ChapCredentials, ExportSpec } from '../spec.js';
import { isSafeConfigValue, type TgtExportRecord } from './config.js';
import { lowestFreeTid, type TgtPortal, type TgtTarget } from './show.js';

/** What tgtd has, read before every change. */
export interface LiveState {
  targets: TgtTarget[];
  /** Every account tgtd knows, bound or not. */
  accounts: string[];
  portals: TgtPortal[];
}

/** One tgtadm command without the `--lld iscsi -C <port>` prefix. */
export type Step = string[];

const wildcard = (address: string): string => (isIP(address) === 6 ? '::' : '0.0.0.0');

/** Whether tgtd already listens where the spec's portal is. */
export function portalCovered(
  portals: readonly TgtPortal[],
  portal: ExportSpec['portal'],
): boolean {
  return portals.some(
    (p) =>
      p.port === portal.port &&
      (p.address === portal.address || p.address === wildcard(portal.address)),
  );
}

export function portalParam(portal: ExportSpec['portal']): string {
  const host = isIP(portal.address) === 6 ? `[${portal.address}]` : portal.address;
  return `portal=${host}:${portal.port}`;
}

/** The accounts an export wants: its incoming users and its one outgoing user. */
export interface WantedAccounts {
  incoming: Map<string, string>;
  outgoing: { user: string; secret: string } | null;
}

/**
 * Checks what tgt can represent and collects the accounts. tgt cannot give two initiators of
 * one target different mutual CHAP identities, nor one user name two secrets.
 */
export function wantedAccounts(spec: Pick<ExportSpec, 'acls'>): WantedAccounts {
  const incoming = new Map<string, string>();
  let outgoing: WantedAccounts['outgoing'] = null;
  const unsafe = (chap: ChapCredentials): boolean =>
    [chap.user, chap.secret, chap.mutualUser, chap.mutualSecret].some(
      (v) => v !== undefined && !isSafeConfigValue(v),
    );
  spec.acls.forEach((acl, i) => {
    const chap = acl.chap;
    if (!chap) return;
    const field = `acls[${i}].chap`;
    if (unsafe(chap))
      throw new InvalidExportError(
        `CHAP values for ${acl.initiatorIqn} may only use A-Z a-z 0-9 and . _ : @ + = , / - with tgt`,
        { field },
      );
    const known = incoming.get(chap.user);
    if (known !== undefined && known !== chap.secret)
      throw new InvalidExportError(
        `CHAP user ${chap.user} is given two different secrets; tgt keeps one secret per user`,
        { field },
      );
    incoming.set(chap.user, chap.secret);
    if (chap.mutualUser === undefined || chap.mutualSecret === undefined) return;
    if (outgoing && (outgoing.user !== chap.mutualUser || outgoing.secret !== chap.mutualSecret))
      throw new InvalidExportError(
        'tgt answers mutual CHAP with one account per target: every initiator of an export must be given the same mutual user and secret',
        { field },
      );
    outgoing = { user: chap.mutualUser, secret: chap.mutualSecret };
  });
  const mutual = outgoing as WantedAccounts['outgoing'];
  if (mutual && incoming.has(mutual.user))
    throw new InvalidExportError(
      `CHAP user ${mutual.user} cannot be both an initiator's user and the target's mutual user`,
      { field: 'acls' },
    );
  return { incoming, outgoing: mutual };
}

/** Secrets the file says each account has (what tgt-admin created it with). */
export function knownSecrets(records: readonly TgtExportRecord[]): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const record of records) {
    for (const { chap } of record.acls) {
      if (!chap) continue;
      secrets.set(chap.user, chap.secret);
      if (chap.mutualUser && chap.mutualSecret) secrets.set(chap.mutualUser, chap.mutualSecret);
    }
  }
  return secrets;
}

const boundTo = (t: TgtTarget, user: string): boolean =>
  t.incomingUsers.includes(user) || t.outgoingUser === user;

export interface EnsurePlan {
  tid: number;
  steps: Step[];
}

/**
 * The steps that make tgtd export `spec` exactly: the target (lowest free tid when new), LUN 1
 * on the backing, the portal, the accounts, and initiator-name rules for the ACLs and nothing
 * else. Empty when tgtd already has it all.
 */
export function planEnsure(
  live: LiveState,
  records: readonly TgtExportRecord[],
  spec: ExportSpec,
): EnsurePlan {
  const want = wantedAccounts(spec);
  const names = spec.acls.map((a) => a.initiatorIqn);
  const target = live.targets.find((t) => t.iqn === spec.iqn);
  const tid = target?.tid ?? lowestFreeTid(live.targets);
  const t = String(tid);
  const steps: Step[] = [];
  const rule = (op: 'bind' | 'unbind', kind: string, value: string): Step => [
    '--op',
    op,
    '--mode',
    'target',
    '--tid',
    t,
    kind,
    value,
  ];
  const account = (op: 'bind' | 'unbind', user: string, outgoing: boolean): Step => [
    '--op',
    op,
    '--mode',
    'account',
    '--tid',
    t,
    '--user',
    user,
    ...(outgoing ? ['--outgoing'] : []),
  ];

  if (!portalCovered(live.portals, spec.portal))
    steps.push(['--op', 'new', '--mode', 'portal', '--param', portalParam(spec.portal)]);

  // Tighten first: address rules and initiators that are not wanted go before anything else.
  const boundNames = new Set(target?.initiatorNames ?? []);
  if (!target) steps.push(['--op', 'new', '--mode', 'target', '--tid', t, '-T', spec.iqn]);
  for (const address of target?.addressRules ?? [])
    steps.push(rule('unbind', '--initiator-address', address));
  for (const name of boundNames) {
    if (!names.includes(name)) {
      steps.push(rule('unbind', '--initiator-name', name));
      boundNames.delete(name);
    }
  }

  // LUN 1 is the volume; LUN 0 is tgt's own controller LUN.
  let haveLun = false;
  for (const lun of target?.luns ?? []) {
    if (lun.lun === 0) continue;
    if (lun.lun === 1 && lun.backingPath === spec.backing.path) {
      haveLun = true;
    } else if (lun.lun === 1) {
      throw new ExportConflictError(
        `target ${spec.iqn} already exports ${lun.backingPath ?? 'another backing'} as LUN 1, not ${spec.backing.path}; remove the export first`,
        { iqn: spec.iqn },
      );
    } else {
      steps.push(['--op', 'delete', '--mode', 'logicalunit', '--tid', t, '--lun', String(lun.lun)]);
    }
  }
  if (!haveLun)
    steps.push([
      '--op',
      'new',
      '--mode',
      'logicalunit',
      '--tid',
      t,
      '--lun',
      '1',
      '-b',
      spec.backing.path,
    ]);

  // Accounts. A user whose secret changes (or is unknown to dvsan) is deleted and made again,
  // which tgt allows only if no other target uses it: the secret is the user's, for all targets.
  const secrets = knownSecrets(records);
  const incomingNow = new Set(target?.incomingUsers ?? []);
  let outgoingNow = target?.outgoingUser ?? null;
  const accountSteps: Step[] = [];
  const unbound = new Set<string>();
  let incomingLoosened = false;
  const wanted: [string, string, boolean][] = [...want.incoming].map(([u, s]) => [u, s, false]);
  if (want.outgoing) wanted.push([want.outgoing.user, want.outgoing.secret, true]);

  for (const [user, secret] of wanted) {
    if (!live.accounts.includes(user)) {
      accountSteps.push(['--op', 'new', '--mode', 'account', '--user', user, '--password', secret]);
      continue;
    }
    if (secrets.get(user) === secret) continue;
    const others = live.targets.filter((o) => o.tid !== tid && boundTo(o, user)).map((o) => o.iqn);
    if (others.length > 0) {
      throw new ExportConflictError(
        `CHAP user ${user} already exists on this tgt with another secret and is used by ${others.slice(0, 3).join(', ')}${others.length > 3 ? ' …' : ''}; tgt keeps one secret per user name for all targets, so give this export another user name or the same secret`,
        { iqn: spec.iqn, user, usedBy: others.slice(0, 16) },
      );
    }
    if (incomingNow.has(user)) {
      accountSteps.push(account('unbind', user, false));
      incomingNow.delete(user);
      incomingLoosened = true;
    }
    if (outgoingNow === user) {
      accountSteps.push(account('unbind', user, true));
      outgoingNow = null;
    }
    accountSteps.push(['--op', 'delete', '--mode', 'account', '--user', user]);
    accountSteps.push(['--op', 'new', '--mode', 'account', '--user', user, '--password', secret]);
  }
  // Bind what is wanted before unbinding what is not, so CHAP never lapses in between.
  for (const user of want.incoming.keys()) {
    if (!incomingNow.has(user)) accountSteps.push(account('bind', user, false));
  }
  for (const user of incomingNow) {
    if (!want.incoming.has(user)) {
      accountSteps.push(account('unbind', user, false));
      unbound.add(user);
    }
  }
  if (outgoingNow !== null && outgoingNow !== want.outgoing?.user) {
    accountSteps.push(account('unbind', outgoingNow, true));
    unbound.add(outgoingNow);
    outgoingNow = null;
  }
  if (want.outgoing && outgoingNow !== want.outgoing.user)
    accountSteps.push(account('bind', want.outgoing.user, true));

  // Wanted accounts are bound before unwanted ones go, so CHAP stays on throughout, except
  // while an account is made again: then the target is closed (no name rule admits nobody)
  // until the end, or its initiators could log in without CHAP for that moment.
  if (incomingLoosened && want.incoming.size > 0) {
    for (const name of boundNames) steps.push(rule('unbind', '--initiator-name', name));
    boundNames.clear();
  }
  steps.push(...accountSteps);

  // Open last, once the LUN and the accounts are in place.
  for (const name of names) {
    if (!boundNames.has(name)) steps.push(rule('bind', '--initiator-name', name));
  }

  // Accounts this target let go of, that no other target uses and this export does not want.
  for (const user of unbound) {
    const wantedHere = want.incoming.has(user) || want.outgoing?.user === user;
    const elsewhere = live.targets.some((o) => o.tid !== tid && boundTo(o, user));
    if (!wantedHere && !elsewhere)
      steps.push(['--op', 'delete', '--mode', 'account', '--user', user]);
  }
  return { tid, steps };
}

/**
 * The steps that remove `iqn`'s target: its rules and account bindings, its LUNs, the target
 * (always forced: logged-in initiators, which tgt refuses to drop otherwise, are not always
 * in the state planned from, and without sessions --force changes nothing), and the accounts
 * no other target uses.
 */
export function planRemove(live: LiveState, iqn: string): Step[] {
  const target = live.targets.find((t) => t.iqn === iqn);
  if (!target) return [];
  const t = String(target.tid);
  const steps: Step[] = [];
  for (const address of target.addressRules)
    steps.push(['--op', 'unbind', '--mode', 'target', '--tid', t, '--initiator-address', address]);
  for (const name of target.initiatorNames)
    steps.push(['--op', 'unbind', '--mode', 'target', '--tid', t, '--initiator-name', name]);
  for (const user of target.incomingUsers)
    steps.push(['--op', 'unbind', '--mode', 'account', '--tid', t, '--user', user]);
  if (target.outgoingUser)
    steps.push([
      '--op',
      'unbind',
      '--mode',
      'account',
      '--tid',
      t,
      '--user',
      target.outgoingUser,
      '--outgoing',
    ]);
  for (const lun of [...target.luns].sort((a, b) => b.lun - a.lun)) {
    if (lun.lun !== 0)
      steps.push(['--op', 'delete', '--mode', 'logicalunit', '--tid', t, '--lun', String(lun.lun)]);
  }
  steps.push(['--op', 'delete', '--mode', 'target', '--tid', t, '--force']);
  const users = new Set([
    ...target.incomingUsers,
    ...(target.outgoingUser ? [target.outgoingUser] : []),
  ]);
  for (const user of users) {
    if (!live.targets.some((o) => o.tid !== target.tid && boundTo(o, user)))
      steps.push(['--op', 'delete', '--mode', 'account', '--user', user]);
  }
  return steps;
}
