import { z } from 'zod';

/** admin: everything; operator: volumes, exports, attach/detach; viewer: read only. */
export const userRoles = ['admin', 'operator', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

/** Names the station uses for itself in tasks and the audit log; no account may take them. */
export const reservedUserNames = ['local', 'station'] as const;

export const userNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{0,31}$/,
    'use 1-32 lowercase letters, digits, dots, dashes or underscores, starting with a letter',
  )
  .refine((n) => !(reservedUserNames as readonly string[]).includes(n), {
    message: `"local" and "station" are reserved`,
  });

export const passwordSchema = z
  .string()
  .min(10, 'a password has at least 10 characters')
  .max(256, 'a password has at most 256 characters');

export const userViewSchema = z.object({
  name: z.string(),
  role: z.enum(userRoles),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const sessionViewSchema = z.object({
  /** The signed-in user, or 'local' for the desktop window and a loopback station without login. */
  user: z.string(),
  role: z.enum(userRoles),
  /** Sent back in the X-Dvsan-Csrf header on every POST; null when no login is in use. */
  csrfToken: z.string().nullable(),
  /** The changing methods this user may call (reads are open to every role). */
  may: z.array(z.string()),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

const byName = z.object({ name: userNameSchema }).strict();

/** StationApi methods for the session and user accounts; merged into stationApi. */
export const userApi = {
  'session/me': { params: z.object({}).strict(), result: sessionViewSchema },
  'user/list': { params: z.object({}).strict(), result: z.array(userViewSchema) },
  'user/add': {
    params: z
      .object({ name: userNameSchema, role: z.enum(userRoles), password: passwordSchema })
      .strict(),
    result: userViewSchema,
  },
  'user/remove': { params: byName, result: z.object({ removed: z.boolean() }) },
  'user/setRole': {
    params: z.object({ name: userNameSchema, role: z.enum(userRoles) }).strict(),
    result: userViewSchema,
  },
  'user/setPassword': {
    params: z.object({ name: userNameSchema, password: passwordSchema }).strict(),
    result: userViewSchema,
  },
} as const;

/** The header the console sends its session's CSRF token in. */
export const csrfHeader = 'x-dvsan-csrf';
