// The task engine's public surface.
export { boundedPool } from './bounded-pool.js';
export type { StepHandle, TaskContext } from './context.js';
export { shortTaskId, TaskEngine, type TaskResult, type TaskSpec } from './engine.js';
export { LockTable, orderLocks } from './locks.js';
