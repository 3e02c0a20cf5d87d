// Users, roles, sessions and the login rate limit; the HTTP server and the dispatcher use these.
export { Auth, type AuthOptions, type SignedIn } from './service.js';
export { auditChanges } from './audit.js';
export { callAuthorizer, changesAllowed, mayCall, methodAccess } from './policy.js';
export { csrfMatches } from './sessions.js';
export { isSessionCall, type SessionCall } from './context.js';
export { userHandlers } from './user-handlers.js';
export {
  certificateFingerprint,
  ensureCertificate,
  normalizeFingerprint,
  type TlsFiles,
} from './tls.js';
