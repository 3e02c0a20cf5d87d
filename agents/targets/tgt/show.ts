// Parsers for what `tgtadm --op show` prints. tgt has no machine-readable output, so these read
// the text layout of tgt 1.0.x (usr/target.c, usr/iscsi/target.c): a "Target N: name" line,
// sections indented by four spaces, entries by eight, details of an entry by twelve and more.
// Lines they do not know are skipped, so a newer tgt that adds fields still parses.
import { isIP } from 'node:net';

export interface TgtLun {
  lun: number;
  /** "controller" for LUN 0, "disk" for ours. */
  type: string | null;
  /** Size as tgt prints it: whole megabytes of 1000 * 1000 bytes, rounded. */
  sizeMb: number | null;
  blockSize: number | null;
  /** "rdwr", "aio", "null", … */
  backingStoreType: string | null;
  /** null for LUN 0 (tgt prints "None"). */
  backingPath: string | null;
}

export interface TgtSession {
  nexus: number;
  initiator: string;
  addresses: string[];
}

export interface TgtTarget {
  tid: number;
  iqn: string;
  /** "ready" or "offline". */
  state: string | null;
  sessions: TgtSession[];
  luns: TgtLun[];
  /** CHAP accounts bound for initiators to log in with. */
  incomingUsers: string[];
  /** The one account the target answers mutual CHAP with, if any. */
  outgoingUser: string | null;
  /** Address rules ("ALL", an IP, IP/prefix). tgt admits a login when one of these matches. */
  addressRules: string[];
  /** Initiator-name rules. */
  initiatorNames: string[];
}

export interface TgtPortal {
  address: string;
  port: number;
  tpgt: number;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

/** "Key: value" with the value as printed (tgt ends some lines with a space). */
function keyValue(text: string): [string, string] | null {
  const at = text.indexOf(':');
  if (at <= 0) return null;
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

const toInt = (text: string | undefined): number | null => {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
};

/**
 * tgt prints address rules first and initiator names after them, under one "ACL information"
 * heading, without marking which is which. An address rule is "ALL" or an IP address with an
 * optional /prefix (IPv6 possibly in brackets); anything else is a name.
 */
export function isAddressRule(entry: string): boolean {
  if (entry === 'ALL') return true;
  const slash = entry.indexOf('/');
  const host = (slash === -1 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
  if (slash !== -1 && !/^\d{1,3}$/.test(entry.slice(slash + 1))) return false;
  return isIP(host) !== 0;
}

type Section = 'system' | 'nexus' | 'lun' | 'account' | 'acl' | 'other';

function sectionOf(heading: string): Section {
  switch (heading) {
    case 'System information:':
      return 'system';
    case 'I_T nexus information:':
      return 'nexus';
    case 'LUN information:':
      return 'lun';
    case 'Account information:':
      return 'account';
    case 'ACL information:':
      return 'acl';
    default:
      return 'other';
  }
}

function applyLunField(lun: TgtLun, key: string, value: string): void {
  switch (key) {
    case 'Type':
      lun.type = value;
      break;
    case 'Size': {
      // "67 MB, Block size: 512"
      const m = /^(\d+) MB, Block size: (\d+)$/.exec(value);
      if (m) {
        lun.sizeMb = toInt(m[1]);
        lun.blockSize = toInt(m[2]);
      }
      break;
    }
    case 'Backing store type':
      lun.backingStoreType = value;
      break;
    case 'Backing store path':
      lun.backingPath = value === 'None' || value === '' ? null : value;
      break;
  }
}

/** Parses `tgtadm --lld iscsi --op show --mode target` (all targets). */
export function parseTargets(text: string): TgtTarget[] {
  const targets: TgtTarget[] = [];
  let target: TgtTarget | null = null;
  let section: Section = 'other';
  let lun: TgtLun | null = null;
  let session: TgtSession | null = null;

  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const indent = indentOf(line);
    const body = line.trim();

    if (indent === 0) {
      const m = /^Target (\d+): (.+)$/.exec(body);
      target = null;
      lun = null;
      session = null;
      section = 'other';
      const tid = toInt(m?.[1]);
      if (m && tid !== null) {
        target = {
          tid,
          iqn: (m[2] ?? '').trim(),
          state: null,
          sessions: [],
          luns: [],
          incomingUsers: [],
          outgoingUser: null,
          addressRules: [],
          initiatorNames: [],
        };
        targets.push(target);
      }
      continue;
    }
    if (!target) continue;
    if (indent <= 4) {
      section = sectionOf(body);
      lun = null;
      session = null;
      continue;
    }

    switch (section) {
      case 'system': {
        const kv = keyValue(body);
        if (kv?.[0] === 'State') target.state = kv[1];
        break;
      }
      case 'nexus': {
        const kv = keyValue(body);
        if (!kv) break;
        if (kv[0] === 'I_T nexus') {
          session = { nexus: toInt(kv[1]) ?? -1, initiator: '', addresses: [] };
          target.sessions.push(session);
        } else if (session && kv[0] === 'Initiator') {
          // "iqn.… alias: none"
          session.initiator = kv[1].replace(/ alias: .*$/, '');
        } else if (session && kv[0] === 'IP Address') {
          session.addresses.push(kv[1]);
        }
        break;
      }
      case 'lun': {
        const kv = keyValue(body);
        if (!kv) break;
        if (indent <= 8 && kv[0] === 'LUN') {
          const n = toInt(kv[1]);
          lun =
            n === null
              ? null
              : {
                  lun: n,
                  type: null,
                  sizeMb: null,
                  blockSize: null,
                  backingStoreType: null,
                  backingPath: null,
                };
          if (lun) target.luns.push(lun);
        } else if (lun) {
          applyLunField(lun, kv[0], kv[1]);
        }
        break;
      }
      case 'account': {
        const out = / \(outgoing\)$/.exec(body);
        if (out) target.outgoingUser = body.slice(0, out.index);
        else target.incomingUsers.push(body);
        break;
      }
      case 'acl':
        if (isAddressRule(body)) target.addressRules.push(body);
        else target.initiatorNames.push(body);
        break;
      default:
        break;
    }
  }
  return targets;
}

/** Parses `tgtadm --lld iscsi --op show --mode account`: "Account list:" and one user a line. */
export function parseAccounts(text: string): string[] {
  const users: string[] = [];
  let inList = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (indentOf(line) === 0) {
      inList = line.trim() === 'Account list:';
      continue;
    }
    if (inList) users.push(line.trim());
  }
  return users;
}

/** Parses `tgtadm --lld iscsi --op show --mode portal`: "Portal: 0.0.0.0:3260,1", "[::]:3260,1". */
export function parsePortals(text: string): TgtPortal[] {
  const portals: TgtPortal[] = [];
  for (const raw of text.split('\n')) {
    const m = /^Portal: (?:\[([^\]]+)\]|([^:\s]+)):(\d+),(\d+)\s*$/.exec(raw.trim());
    if (!m) continue;
    const port = toInt(m[3]);
    const tpgt = toInt(m[4]);
    if (port === null || tpgt === null) continue;
    portals.push({ address: m[1] ?? m[2] ?? '', port, tpgt });
  }
  return portals;
}

/** The lowest target id not in use (tgt needs the caller to pick one; ids start at 1). */
export function lowestFreeTid(targets: readonly Pick<TgtTarget, 'tid'>[]): number {
  const used = new Set(targets.map((t) => t.tid));
  let tid = 1;
  while (used.has(tid)) tid++;
  return tid;
}
