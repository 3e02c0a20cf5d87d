import { DvsanError, type StationMethod, type UserRole } from '../../protocol/index.js';
import type { CallContext } from '../api/call-context.js';
import { isSessionCall } from './context.js';

/**
 * Who may call a method:
 * - `read`: every role (it changes nothing);
 * - `operate`: operators and admins (volumes, exports, attach/detach, requests, reports);
 * - `admin`: admins only (nodes, settings, users, schedules);
 * - `own-task`: operators for tasks they started, admins for any;
 * - `self`: every role for their own account, admins for any.
 */
export type Access = 'read' | 'operate' | 'admin' | 'own-task' | 'self';

/** Every StationApi method, classified; a new method without an entry does not compile. */
export const methodAccess: Record<StationMethod, Access> = {
  'station/info': 'read',
  'session/me': 'read',
  'node/list': 'read',
  'node/get': 'read',
  'node/inventory': 'read',
  'node/sudoersRule': 'read',
  'node/add': 'admin',
  'node/trustHostKey': 'admin',
  'node/remove': 'admin',
  'node/deploy': 'admin',
  'node/setSpare': 'admin',
  'unit/reconcile': 'admin',
  'pool/get': 'read',
  'settings/get': 'read',
  'settings/update': 'admin',
  'event/list': 'read',
  'event/acknowledge': 'operate',
  'announce/stats': 'read',
  'volume/list': 'read',
  'volume/create': 'operate',
  'volume/resize': 'operate',
  'volume/delete': 'operate',
  'volume/export': 'operate',
  'volume/unexport': 'operate',
  'host/list': 'read',
  'host/attach': 'operate',
  'host/detach': 'operate',
  'host/assign': 'operate',
  'request/list': 'read',
  'request/approve': 'operate',
  'request/deny': 'operate',
  'report/list': 'read',
  'report/generate': 'operate',
  'report/schedule/list': 'read',
  'report/schedule/set': 'admin',
  'report/schedule/remove': 'admin',
  'report/schedule/run': 'operate',
  'task/list': 'read',
  'task/get': 'read',
  'task/cancel': 'own-task',
  'user/list': 'admin',
  'user/add': 'admin',
  'user/remove': 'admin',
  'user/setRole': 'admin',
  'user/setPassword': 'self',
};

/**
 * Whether `role` may call `method` at all, before looking at whose object it is: the changing
 * methods a console shows buttons for. `own-task` and `self` count as callable.
 */
export function mayCall(role: UserRole, method: StationMethod): boolean {
  const access = methodAccess[method];
  if (role === 'admin' || access === 'read' || access === 'self') return true;
  return role === 'operator' && (access === 'operate' || access === 'own-task');
}

/** The changing methods a role may call (reads are open to all), for `session/me`. */
export function changesAllowed(role: UserRole): StationMethod[] {
  return (Object.keys(methodAccess) as StationMethod[]).filter(
    (m) => methodAccess[m] !== 'read' && mayCall(role, m),
  );
}

export interface Caller {
  user: string;
  role: UserRole;
}

/** Looks up whose object a call touches, for the `own-task` rule. */
export type TaskOwner = (taskId: string) => Promise<string | null>;

/** Throws `forbidden` unless `caller` may make this call; runs before any handler. */
export async function authorize(
  caller: Caller,
  method: StationMethod,
  params: unknown,
  taskOwner: TaskOwner,
): Promise<void> {
  if (caller.role === 'admin') return;
  const access = methodAccess[method];
  const p = (params ?? {}) as { id?: unknown; name?: unknown };
  if (access === 'read') return;
  if (access === 'self' && p.name === caller.user) return;
  if (access === 'operate' && caller.role === 'operator') return;
  if (access === 'own-task' && caller.role === 'operator') {
    const owner = typeof p.id === 'string' ? await taskOwner(p.id) : null;
    if (owner === null || owner === caller.user) return; // a missing task gets its own not-found
    throw new DvsanError(
      'forbidden',
      `${method}: task ${p.id} was started by ${owner}; an operator may cancel only their own tasks`,
    );
  }
  throw new DvsanError(
    'forbidden',
    `${method} needs the ${access === 'operate' ? 'operator or admin' : 'admin'} role; ${caller.user} is ${caller.role === 'viewer' ? 'a viewer' : 'an operator'}`,
  );
}

/** The dispatcher's role check: signed-in callers by the table, the local user as admin. */
export function callAuthorizer(taskOwner: TaskOwner) {
  return (method: StationMethod, params: unknown, call: CallContext): Promise<void> =>
    isSessionCall(call) ? authorize(call, method, params, taskOwner) : Promise.resolve();
}
