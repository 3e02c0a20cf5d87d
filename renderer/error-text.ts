import { errorShape, type ErrorCode, type ErrorShape } from '../protocol/errors.js';

// One table from error codes to headlines, so every page words the same failure the same way.
// The station's `message` carries the specifics; decisions are made on the code alone.
const titles: Record<ErrorCode, string> = {
  'invalid-params': 'Check the fields',
  'not-found': 'Not found',
  conflict: 'Already exists',
  unauthorized: 'Sign in first',
  forbidden: 'Not allowed',
  'ssh-unreachable': 'Cannot reach the node over SSH',
  'ssh-timeout': 'The node did not answer in time',
  'ssh-auth-failed': 'SSH login failed',
  'host-key-unconfirmed': 'Confirm the host key first',
  'host-key-changed': 'The host key CHANGED — possible man-in-the-middle',
  'key-file': 'Cannot use the SSH key',
  'no-node-runtime': 'No Node.js runtime on the node',
  'disk-full': 'Disk full',
  'deploy-failed': 'Deploy failed',
  'agent-error': 'The agent reported an error',
  'lab-needs-root': 'The lab needs root',
  'lab-failed': 'The lab failed',
  'login-failed': 'The host could not log in to the target',
  internal: 'Something went wrong',
};

export function errorTitle(code: ErrorCode): string {
  return titles[code];
}

/** Codes that mean "stop and look" rather than "fix a typo": shown louder. */
export function isSecurityError(code: ErrorCode): boolean {
  return code === 'host-key-changed';
}

/** Anything thrown by StationClient.call (a DvsanError) or elsewhere -> the wire shape. */
export function toShape(err: unknown): ErrorShape {
  const parsed = errorShape.safeParse(err);
  if (parsed.success) return parsed.data;
  if (err instanceof Error) return { name: 'DvsanError', code: 'internal', message: err.message };
  return { name: 'DvsanError', code: 'internal', message: String(err) };
}
