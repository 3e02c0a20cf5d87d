import type { Handlers } from '../api/handlers.js';
import { isSessionCall } from './context.js';
import { changesAllowed } from './policy.js';
import type { Auth } from './service.js';

type UserMethods =
  'session/me' | 'user/list' | 'user/add' | 'user/remove' | 'user/setRole' | 'user/setPassword';

/** The StationApi entries for the caller's session and the user accounts. */
export function userHandlers(auth: Auth): Pick<Handlers, UserMethods> {
  return {
    'session/me': async (_p, call) =>
      isSessionCall(call)
        ? {
            user: call.user,
            role: call.role,
            csrfToken: call.csrfToken,
            may: changesAllowed(call.role),
          }
        : { user: call.user, role: 'admin', csrfToken: null, may: changesAllowed('admin') },
    'user/list': () => auth.list(),
    'user/add': ({ name, role, password }) => auth.add(name, role, password),
    'user/remove': async ({ name }) => ({ removed: await auth.remove(name) }),
    'user/setRole': ({ name, role }) => auth.setRole(name, role),
    'user/setPassword': ({ name, password }) => auth.setPassword(name, password),
  };
}
