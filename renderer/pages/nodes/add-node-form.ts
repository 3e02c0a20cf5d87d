import type { NodeRole } from '../../../protocol/nodes.js';
import type { ErrorShape } from '../../../protocol/errors.js';
import { stationApi, type Params } from '../../../protocol/station-api.js';

/** The Add node form as the user fills it in (before it becomes 'node/add' params). */
export interface AddNodeForm {
  name: string;
  role: NodeRole;
  address: string;
  port: number | null;
  user: string;
  authKind: 'key' | 'agent' | 'password';
  keyPath: string;
  password: string;
  savePassword: boolean;
}

export type FormField =
  'name' | 'role' | 'address' | 'port' | 'user' | 'keyPath' | 'password' | 'auth';

export function emptyForm(): AddNodeForm {
  return {
    name: '',
    role: 'unit',
    address: '',
    port: 22,
    user: 'root',
    authKind: 'key',
    keyPath: '',
    password: '',
    savePassword: false,
  };
}

export function toParams(form: AddNodeForm): Params<'node/add'> {
  const auth: Params<'node/add'>['auth'] =
    form.authKind === 'key'
      ? { kind: 'key', keyPath: form.keyPath.trim() }
      : form.authKind === 'agent'
        ? { kind: 'agent' }
        : { kind: 'password', password: form.password, save: form.savePassword };
  return {
    name: form.name.trim(),
    role: form.role,
    address: form.address.trim(),
    // An empty port field means the default (22), as the schema says.
    ...(form.port === null ? {} : { port: form.port }),
    user: form.user.trim(),
    auth,
  };
}

/** Maps a schema issue path ("auth.keyPath") to the form field that shows it. */
export function fieldOf(path: readonly PropertyKey[]): FormField {
  const [first, second] = path.map(String);
  if (first === 'auth')
    return second === 'keyPath' ? 'keyPath' : second === 'password' ? 'password' : 'auth';
  if (
    first === 'name' ||
    first === 'role' ||
    first === 'address' ||
    first === 'port' ||
    first === 'user'
  )
    return first;
  return 'auth';
}

/**
 * Validates with the very schema the station uses, so the messages match the server's.
 * Returns the first message per field; an empty object means the params are valid.
 */
export function validate(form: AddNodeForm): Partial<Record<FormField, string>> {
  const result = stationApi['node/add'].params.safeParse(toParams(form));
  if (result.success) return {};
  return issuesToFields(result.error.issues);
}

export function issuesToFields(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Partial<Record<FormField, string>> {
  const errors: Partial<Record<FormField, string>> = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    errors[field] ??= issue.message;
  }
  return errors;
}

/**
 * Field messages from a server 'invalid-params' error: the station names the first bad field
 * in `details.field` ("auth.keyPath") and words it "<field>: <schema message>"; a list in
 * `details.issues` ({path, message}) is read too.
 */
export function serverFieldErrors(error: ErrorShape): Partial<Record<FormField, string>> {
  const details = error.details ?? {};
  const issues: { path: PropertyKey[]; message: string }[] = [];
  if (typeof details.field === 'string') {
    const prefix = `${details.field}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    issues.push({ path: details.field.split('.'), message });
  }
  if (Array.isArray(details.issues)) {
    for (const issue of details.issues as unknown[]) {
      if (typeof issue !== 'object' || issue === null) continue;
      const { path, message } = issue as { path?: unknown; message?: unknown };
      if (typeof message !== 'string') continue;
      const parts = Array.isArray(path)
        ? path.map(String)
        : typeof path === 'string'
          ? path.split('.')
          : [];
      issues.push({ path: parts, message });
    }
  }
  return issuesToFields(issues);
}
