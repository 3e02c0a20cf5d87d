// Pure renderers for the files each lab node gets: sshd_config, its private passwd/shadow
// and a hosts file naming every lab node.
import path from 'node:path';

export interface SshdConfigInput {
  address: string;
  nodeDir: string;
  labDir: string;
}

export function sshdConfigPath(nodeDir: string): string {
  return path.join(nodeDir, 'sshd_config');
}
export function hostKeyPath(nodeDir: string): string {
  return path.join(nodeDir, 'ssh_host_ed25519_key');
}

/** The whole config: sshd reads only this file (-f), never /etc/ssh/sshd_config. */
export function renderSshdConfig({ address, nodeDir, labDir }: SshdConfigInput): string {
  return [
    '# Written by dvsan lab; regenerated on every `dvsan lab up`.',
    `ListenAddress ${address}:22`,
    `HostKey ${hostKeyPath(nodeDir)}`,
    `PidFile ${path.join(nodeDir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(labDir, 'authorized_keys')}`,
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // PAM would read the real /etc/pam.d and log to the real journal; the node's shadow is enough.
    'UsePAM no',
    'UseDNS no',
    'Subsystem sftp internal-sftp',
    // Tests open many connections at once; sshd's default 10:30:100 drops some of them.
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'PrintMotd no',
    'PrintLastLog no',
    '',
  ].join('\n');
}

function mapLines(text: string, fn: (fields: string[]) => string[] | null): string {
  const out = text
    .split('\n')
    .filter((l, i, all) => !(l === '' && i === all.length - 1))
    .map((line) => {
      const fields = line.split(':');
      const changed = fn(fields);
      return changed ? changed.join(':') : line;
    });
  return out.join('\n') + '\n';
}

/** Root's login shell becomes /bin/sh: a heavy bash profile costs up to a second per SSH command. */
export function renderPasswd(realPasswd: string): string {
  return mapLines(realPasswd, (f) => {
    if (f[0] !== 'root' || f.length < 7) return null;
    return [...f.slice(0, 6), '/bin/sh'];
  });
}

/** Root gets the lab password (a crypt hash); every other account keeps its real entry. */
export function renderShadow(realShadow: string, rootHash: string, today: number): string {
  let sawRoot = false;
  const text = mapLines(realShadow, (f) => {
    if (f[0] !== 'root') return null;
    sawRoot = true;
    return ['root', rootHash, String(today), '0', '99999', '7', '', '', ''];
  });
  return sawRoot ? text : `root:${rootHash}:${today}:0:99999:7:::\n` + text;
}

/** Days since the epoch, the unit of shadow's last-change field. */
export function shadowDay(now: Date): number {
  return Math.floor(now.getTime() / 86_400_000);
}

/**
 * The real hosts file plus every lab node, so nodes resolve each other and their own name
 * without a DNS lookup (tools that resolve the hostname otherwise wait for a resolver timeout).
 */
export function renderHosts(realHosts: string, nodes: { name: string; address: string }[]): string {
  const base = realHosts.endsWith('\n') || realHosts === '' ? realHosts : realHosts + '\n';
  return base + '# dvsan lab nodes\n' + nodes.map((n) => `${n.address} ${n.name}\n`).join('');
}

/** `ssh-keygen -lf` prints "256 SHA256:... comment (ED25519)". */
export function parseFingerprint(keygenOutput: string): string {
  const m = /\b(SHA256:[A-Za-z0-9+/]{43})\b/.exec(keygenOutput);
  if (!m?.[1])
    throw new Error(`no SHA256 fingerprint in ssh-keygen output: ${keygenOutput.trim()}`);
  return m[1];
}
