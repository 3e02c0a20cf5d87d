import { configureAgent } from './daemon/configure.js';
import { collectInventory } from './inventory/index.js';
import type { AgentHandlers } from './rpc/server.js';
import { collectStorage } from './storage/index.js';
import { agentVersion } from './version.js';

export interface HandlerOptions {
  /** The agent bundle, which agent.configure has the daemon run (process.argv[1]). */
  selfPath?: string | undefined;
}

/**
 * The agent's handler map. Adding a method: declare it in protocol/agent-rpc.ts, then add its
 * entry here; the compiler rejects the map until the entry exists and returns the right shape.
 */
export function createHandlers(
  env: NodeJS.ProcessEnv = process.env,
  options: HandlerOptions = { selfPath: process.argv[1] },
): AgentHandlers {
  const handlers: AgentHandlers = {
    'agent.hello': async () => ({
      version: agentVersion,
      protocol: 1,
      // Everything this agent serves besides the greeting itself.
      capabilities: Object.keys(handlers).filter((method) => method !== 'agent.hello'),
    }),
    'node.inventory': async () => collectInventory(env),
    'storage.inventory': async () => collectStorage(env),
    'agent.configure': async (params) =>
      configureAgent(params, { env, selfPath: options.selfPath }),
  };
  return handlers;
}
