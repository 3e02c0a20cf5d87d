import type { UserRole } from '../../protocol/index.js';
import type { CallContext } from '../api/call-context.js';

/**
 * The call context of a signed-in user. Contexts without `role` come from the desktop window,
 * the local CLI or a loopback station without login: the machine's own user, an admin.
 */
export interface SessionCall extends CallContext {
  role: UserRole;
  csrfToken: string;
}

export function isSessionCall(call: CallContext): call is SessionCall {
  return 'role' in call && 'csrfToken' in call;
}
