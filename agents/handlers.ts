import { configureAgent } from './daemon/configure.js';
import { storeStatus } from './requests/status.js';
import { createExports } from './exports/index.js';
import { createInitiator } from './initiators/index.js';
import { collectInventory } from './inventory/index.js';
import type { AgentHandlers } from './rpc/server.js';
import { collectStorage } from './storage/index.js';
import { agentVersion } from './version.js';
import {
  createVolume,
  deleteVolume,
  resizeVolume,
  type CommandRunner,
  type VolumeServiceOptions,
} from './volumes/index.js';

export interface HandlerOptions {
  /** The agent bundle, which agent.configure has the daemon run (process.argv[1]). */
  selfPath?: string | undefined;
  /**
   * Export hook: whether a volume's backing path (file or LV) is exported. volume.delete
   * refuses exported volumes and volume results carry the flag. Defaults to asking the unit's
   * target backend (agents/exports); tests inject one.
   */
  isExported?: (backingPath: string) => Promise<boolean>;
  /** Runs LVM tools (argv arrays); defaults to the real tools, tests inject one. */
  runner?: CommandRunner;
}

/**
 * The agent's handler map. Adding a method: declare it in protocol/agent-rpc.ts, then add its
 * entry here; the compiler rejects the map until the entry exists and returns the right shape.
 */
export function createHandlers(
  env: NodeJS.ProcessEnv = process.env,
  options: HandlerOptions = { selfPath: process.argv[1] },
): AgentHandlers {
  const exports = createExports(env);
  const initiator = createInitiator(env);
  const volumes: VolumeServiceOptions = {
    env,
    runner: options.runner,
    isExported: options.isExported ?? exports.isExported,
  };
  const handlers: AgentHandlers = {
    'agent.hello': async () => ({
      version: agentVersion,
      protocol: 1,
      // Everything this agent serves besides the greeting itself.
      capabilities: Object.keys(handlers).filter((method) => method !== 'agent.hello'),
    }),
    'node.inventory': async () => ({
      ...(await collectInventory(env, () => initiator.service.info())),
      mirror: await initiator.mirrors.support(),
    }),
    'storage.inventory': async () => {
      // Which volumes are exported, and by which target backend, comes from the target itself
      // (what its backend already holds, not a listing of every target).
      const targets = await exports.exported().catch(() => null);
      const storage = await collectStorage(env, {
        runner: options.runner,
        exportedBackings: targets?.backings ?? new Set<string>(),
      });
      return { ...storage, targetBackend: targets?.backend ?? null };
    },
    'agent.configure': async (params) =>
      configureAgent(params, { env, selfPath: options.selfPath }),
    'volume.create': async (params) => createVolume(params, volumes),
    'volume.resize': async (params) => resizeVolume(params, volumes),
    'volume.delete': async (params) => deleteVolume(params, volumes),
    ...exports.handlers,
    ...initiator.handlers,
    'request.status': async (params) => {
      await storeStatus(env, params);
      return { stored: true };
    },
  };
  return handlers;
}
