import { passwordSchema, type UserRole } from '../../../protocol/users.js';

/** What is wrong with a new password, by the station's own rule; null when it is fine. */
export function passwordProblem(password: string): string | null {
  const parsed = passwordSchema.safeParse(password);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'not a valid password');
}

const roleText: Record<UserRole, string> = {
  admin: 'admin — everything',
  operator: 'operator — volumes, exports, attach/detach',
  viewer: 'viewer — read only',
};

export function roleOptions(roles: readonly UserRole[]) {
  return roles.map((r) => ({ value: r, label: roleText[r] }));
}
