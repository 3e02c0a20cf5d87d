import { collectInventory } from './inventory/index.js';
import type { AgentHandlers } from './rpc/server.js';
import { agentVersion } from './version.js';

/**
 * The agent's handler map. Adding a method: declare it in protocol/agent-rpc.ts, then add its
 * entry here; the compiler rejects the map until the entry exists and returns the right shape.
 */
export function createHandlers(env: NodeJS.ProcessEnv = process.env): AgentHandlers {
  const handlers: AgentHandlers = {
    'agent.hello': async () => ({
      version: agentVersion,
      protocol: 1,
      // Everything this agent serves besides the greeting itself.
      capabilities: Object.keys(handlers).filter((method) => method !== 'agent.hello'),
    }),
    'node.inventory': async () => collectInventory(env),
  };
  return handlers;
}
