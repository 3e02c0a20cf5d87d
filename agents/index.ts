// The agent's public surface. The bundle's entry is main.ts; these are what other agent code
// and the tests build on.
export { agentVersion } from './version.js';
export { runCli, type CliIo } from './cli.js';
export { createHandlers, type HandlerOptions } from './handlers.js';
export { serveRpc, type AgentHandlers, type RpcServerOptions } from './rpc/server.js';
export { collectInventory } from './inventory/index.js';
export { stderrLog, type Log } from './log.js';
export { collectStorage } from './storage/index.js';
export { runDaemon, configureAgent, signAnnounce } from './daemon/index.js';
