// protocol/ is pure TypeScript shared by every side: no Node, no DOM.
export * from './errors.js';
export * from './inventory.js';
export * from './nodes.js';
export * from './tasks.js';
export * from './station-api.js';
export * from './agent-rpc.js';
export * from './client.js';
export * from './announce.js';
export * from './storage.js';
export * from './pool.js';
export * from './volumes.js';
export * from './initiators.js';
export * from './mirrors.js';
export * from './hosts.js';
export * from './requests.js';
export * from './users.js';
