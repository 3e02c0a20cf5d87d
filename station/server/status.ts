import type { ErrorCode } from '../../protocol/index.js';

const statusFor: Partial<Record<ErrorCode, number>> = {
  'invalid-params': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

/** The HTTP status of a failed call: its error code's, else `fallback`. */
export function httpStatus(code: ErrorCode | undefined, fallback: number): number {
  return (code && statusFor[code]) ?? fallback;
}
