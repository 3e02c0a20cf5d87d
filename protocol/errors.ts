import { z } from 'zod';

/** Codes every side understands; decisions are made on the code, never on the message text. */
export const errorCodes = [
  'invalid-params',
  'not-found',
  'conflict',
  'unauthorized',
  'forbidden',
  'ssh-unreachable',
  'ssh-timeout',
  'ssh-auth-failed',
  'host-key-unconfirmed',
  'host-key-changed',
  'key-file',
  'no-node-runtime',
  'disk-full',
  'deploy-failed',
  'agent-error',
  'login-failed',
  'lab-needs-root',
  'lab-failed',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorShape = z.object({
  name: z.string(),
  code: z.enum(errorCodes),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
/** The plain form an error takes when it crosses a process boundary. */
export type ErrorShape = z.infer<typeof errorShape>;

/** One error class for every side; rebuilt from {@link ErrorShape} after crossing a boundary. */
export class DvsanError extends Error {
  override readonly name = 'DvsanError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  toShape(): ErrorShape {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
  static fromShape(shape: ErrorShape): DvsanError {
    return new DvsanError(shape.code, shape.message, shape.details);
  }
}

/** Turns anything thrown into the wire shape without leaking stack traces. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof DvsanError) return err.toShape();
  const message = err instanceof Error ? err.message : String(err);
  return { name: 'DvsanError', code: 'internal', message };
}
