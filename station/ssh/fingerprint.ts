import { createHash } from 'node:crypto';

/** OpenSSH's SHA256 fingerprint: "SHA256:" + unpadded base64 of the key blob's digest. */
export function sshFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

export type HostKeyDecision =
  | { action: 'accept' }
  | { action: 'record'; fingerprint: string }
  | { action: 'refuse-changed'; expected: string; presented: string };

/**
 * Trust on first use: with nothing recorded, the key is recorded for the admin to confirm;
 * with a recorded key, only the same key is accepted.
 */
export function decideHostKey(recorded: string | null, presented: string): HostKeyDecision {
  if (recorded === null) return { action: 'record', fingerprint: presented };
  if (recorded === presented) return { action: 'accept' };
  return { action: 'refuse-changed', expected: recorded, presented };
}
