// Initiator backends on a host: how its volumes arrive as block devices. One interface
// (backend.ts), one file per backend (openiscsi.ts, userspace.ts), chosen by factory.ts.
export type { InitiatorBackend, LoginSpec, Session, SessionRef } from './backend.js';
export { OpenIscsiInitiator, byPathName, sessionHost, type OpenIscsiFs } from './openiscsi.js';
export { UserspaceInitiator, qsdArgs, qsdFiles } from './userspace.js';
export { chooseInitiator, systemInitiatorProbes, type InitiatorProbes } from './factory.js';
export { classifyIscsiadm, classifyLibiscsi, loginFailed, probePortal } from './diagnose.js';
export { ensureHostIqn, hostIqnFor, parseInitiatorName } from './host-iqn.js';
export { escapeMountPath, mountUnitName, renderMountUnit } from './mount-unit.js';
export { checkMountPointPath } from './mount-point.js';
export { createInitiator, type HostInitiator, type InitiatorHandlers } from './handlers.js';
export { InitiatorService } from './service.js';
export { MirrorService, mirrorSupport, probeMirrorSupport } from './mirror-service.js';
export { initiatorPaths } from './paths.js';
