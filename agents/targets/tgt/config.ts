// dvsan's exports in tgt-admin's config syntax, so a restarted tgtd gets them back from
// `tgt-admin -e -c /etc/tgt/targets.conf` (Debian's tgt.service runs it, and targets.conf
// includes conf.d/*.conf). This file renders and parses the text; conf-dir.ts keeps one file
// per export in conf.d.
import { readFile } from 'node:fs/promises';
import { TargetError } from '../errors.js';
import { assertIqn } from '../iqn.js';
import type { ChapCredentials } from '../spec.js';

/**
 * tgt-admin binds the address rule "ALL" to every target whose block has no initiator-address
 * line, and tgt admits a login when an address rule *or* a name rule matches, so "ALL" would
 * admit everyone. Each block therefore names this address, which no TCP peer can have (the
 * limited broadcast address): it matches nobody, and only the initiator-name lines admit.
 */
export const noPeerAddress = '255.255.255.255';

/** One export as dvsan asked for it: the file's unit of truth, secrets included. */
export interface TgtExportRecord {
  iqn: string;
  backing: string;
  acls: { initiatorIqn: string; chap: ChapCredentials | null }[];
}

/**
 * Characters a value may use in this file. tgt-admin hands each line to a shell
 * (`system("tgtadm … --password=$p")`) and Config::General treats `#`, `\` and quotes
 * specially, so anything else would be a way to run commands at the next tgtd start.
 */
const safeValue = /^[A-Za-z0-9._:@+=,/-]+$/;

export function isSafeConfigValue(value: string): boolean {
  return safeValue.test(value);
}

function checkValue(value: string, what: string): string {
  if (!isSafeConfigValue(value)) {
    // Never echo the value: it may be a secret.
    throw new TargetError(
      'invalid-params',
      `${what} may only use A-Z a-z 0-9 and . _ : @ + = , / - with tgt (tgt-admin passes it through a shell)`,
      { field: what },
    );
  }
  return value;
}

const header = [
  '# A dvsan export for tgt. The dvsan agent writes and removes this file: do not edit.',
  '# tgt-admin -e -c /etc/tgt/targets.conf recreates them when tgtd starts.',
  `# Each target names initiator-address ${noPeerAddress}, an address no initiator can have:`,
  '# without an initiator-address line tgt-admin would bind "ALL" and admit every initiator.',
  '# The "# dvsan-acl" lines record which CHAP user belongs to which initiator.',
];

/** The file's text for `records`, in the order given. Throws before anything unsafe is written. */
export function renderConfig(records: readonly TgtExportRecord[]): string {
  const lines = [...header, ''];
  for (const record of records) {
    assertIqn(record.iqn, 'target IQN');
    lines.push(`<target ${record.iqn}>`);
    for (const acl of record.acls) {
      assertIqn(acl.initiatorIqn, 'initiator IQN');
      const chap = acl.chap;
      const user = chap ? checkValue(chap.user, 'CHAP user') : '-';
      const mutual = chap?.mutualUser ? checkValue(chap.mutualUser, 'mutual CHAP user') : '-';
      lines.push(`    # dvsan-acl ${acl.initiatorIqn} ${user} ${mutual}`);
    }
    lines.push(`    backing-store ${checkValue(record.backing, 'backing path')}`);
    lines.push(`    initiator-address ${noPeerAddress}`);
    for (const acl of record.acls) lines.push(`    initiator-name ${acl.initiatorIqn}`);
    const incoming = new Map<string, string>();
    let outgoing: [string, string] | null = null;
    for (const acl of record.acls) {
      if (!acl.chap) continue;
      incoming.set(acl.chap.user, checkValue(acl.chap.secret, 'CHAP secret'));
      if (acl.chap.mutualUser && acl.chap.mutualSecret)
        outgoing ??= [acl.chap.mutualUser, checkValue(acl.chap.mutualSecret, 'mutual CHAP secret')];
    }
    for (const [user, secret] of incoming) lines.push(`    incominguser ${user} ${secret}`);
    if (outgoing) lines.push(`    outgoinguser ${outgoing[0]} ${outgoing[1]}`);
    lines.push('</target>', '');
  }
  return lines.join('\n');
}

/** The file could not be read back; it is left as it is. */
export class TgtConfigError extends TargetError {
  constructor(file: string, line: number, why: string) {
    super('agent-error', `${file} line ${line}: ${why}; fix or remove the file`, { file, line });
  }
}

interface Draft {
  iqn: string;
  backing: string | null;
  names: string[];
  /** initiator -> [user | null, mutual user | null] from the dvsan-acl lines. */
  owners: Map<string, [string | null, string | null]>;
  incoming: Map<string, string>;
  outgoing: [string, string] | null;
}

function finish(draft: Draft, file: string, line: number): TgtExportRecord {
  if (!draft.backing)
    throw new TgtConfigError(file, line, `target ${draft.iqn} has no backing-store`);
  const acls = draft.names.map((initiatorIqn) => {
    const [user, mutualUser] = draft.owners.get(initiatorIqn) ?? [null, null];
    const secret = user ? draft.incoming.get(user) : undefined;
    if (!user || secret === undefined) return { initiatorIqn, chap: null };
    const chap: ChapCredentials = { user, secret };
    if (mutualUser && draft.outgoing?.[0] === mutualUser) {
      chap.mutualUser = mutualUser;
      chap.mutualSecret = draft.outgoing[1];
    }
    return { initiatorIqn, chap };
  });
  return { iqn: draft.iqn, backing: draft.backing, acls };
}

/** Reads the file's text back into records (the inverse of {@link renderConfig}). */
export function parseConfig(text: string, file = 'the tgt config'): TgtExportRecord[] {
  const records: TgtExportRecord[] = [];
  let draft: Draft | null = null;
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    const acl = /^# dvsan-acl (\S+) (\S+) (\S+)$/.exec(line);
    if (acl && draft) {
      const [, initiator = '', user = '-', mutual = '-'] = acl;
      draft.owners.set(initiator, [user === '-' ? null : user, mutual === '-' ? null : mutual]);
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const open = /^<target (\S+)>$/.exec(line);
    if (open) {
      if (draft) throw new TgtConfigError(file, n, 'a <target> block inside another');
      draft = {
        iqn: open[1] ?? '',
        backing: null,
        names: [],
        owners: new Map(),
        incoming: new Map(),
        outgoing: null,
      };
      return;
    }
    if (line === '</target>') {
      if (!draft) throw new TgtConfigError(file, n, '</target> without <target>');
      records.push(finish(draft, file, n));
      draft = null;
      return;
    }
    if (!draft) throw new TgtConfigError(file, n, 'a setting outside any <target> block');
    const [key, ...values] = line.split(/\s+/);
    if (key === 'backing-store' && values.length === 1) draft.backing = values[0] ?? null;
    else if (key === 'initiator-name' && values.length === 1) draft.names.push(values[0] ?? '');
    else if (key === 'incominguser' && values.length === 2)
      draft.incoming.set(values[0] ?? '', values[1] ?? '');
    else if (key === 'outgoinguser' && values.length === 2)
      draft.outgoing = [values[0] ?? '', values[1] ?? ''];
    else if (key !== 'initiator-address')
      throw new TgtConfigError(file, n, `unexpected setting "${key ?? ''}"`);
  });
  if (draft)
    throw new TgtConfigError(file, text.split('\n').length, 'a <target> block is not closed');
  return records;
}

/** The records in `file`; none when the file does not exist. */
export async function readConfig(file: string): Promise<TgtExportRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseConfig(text, file);
}
