import { z } from 'zod';
import { errorShape } from './errors.js';
import { agentConfigSchema } from './announce.js';
import { initiatorAgentMethods } from './initiators.js';
import { mirrorAgentMethods } from './mirrors.js';
import { requestAgentMethods } from './requests.js';
import { inventorySchema } from './inventory.js';
import { storageInventorySchema } from './storage.js';
import { volumeAgentMethods } from './volumes.js';

/**
 * The agent speaks JSON-RPC 2.0, one message per line, over the SSH exec channel's
 * stdin/stdout. Each method is declared once here with its params and result schemas;
 * both the agent's server and the station's client validate against them.
 */
export const agentMethods = {
  'agent.hello': {
    params: z.object({}).strict(),
    result: z.object({
      version: z.string(),
      protocol: z.literal(1),
      capabilities: z.array(z.string()),
    }),
  },
  'node.inventory': {
    params: z.object({}).strict(),
    result: inventorySchema,
  },
  /** The unit's data pools and volumes: the answer to the station's enquiry. */
  'storage.inventory': {
    params: z.object({}).strict(),
    result: storageInventorySchema,
  },
  /**
   * Stores the daemon's settings (0600) and makes sure the announce daemon runs with them:
   * a systemd service on real nodes, a detached process where there is no systemd (the lab).
   * Idempotent: the same settings twice leave one daemon running.
   */
  'agent.configure': {
    params: agentConfigSchema,
    result: z.object({
      supervisor: z.enum(['systemd', 'process']),
      pid: z.number().int().positive().nullable(),
      restarted: z.boolean(),
    }),
  },
  ...volumeAgentMethods,
  ...initiatorAgentMethods,
  ...mirrorAgentMethods,
  ...requestAgentMethods,
} as const;
export type AgentMethod = keyof typeof agentMethods;
export type AgentParams<M extends AgentMethod> = z.infer<(typeof agentMethods)[M]['params']>;
export type AgentResult<M extends AgentMethod> = z.infer<(typeof agentMethods)[M]['result']>;

export const rpcRequestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.number().int(), z.string().max(64)]),
  method: z.string().max(64),
  params: z.unknown().optional(),
});
export type RpcRequest = z.infer<typeof rpcRequestSchema>;

/** JSON-RPC error object; `data` carries dvsan's own error shape so codes survive the trip. */
export const rpcResponseSchema = z.union([
  z.object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.number(), z.string(), z.null()]),
    result: z.unknown(),
  }),
  z.object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.number(), z.string(), z.null()]),
    error: z.object({ code: z.number().int(), message: z.string(), data: errorShape.optional() }),
  }),
]);
export type RpcResponse = z.infer<typeof rpcResponseSchema>;

/** Standard JSON-RPC error numbers. */
export const rpcErrorNumbers = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Application error: `data` holds the dvsan error shape. */
  application: -32000,
} as const;

/** Largest line either side accepts; a longer one is a protocol error, not a memory problem. */
export const maxRpcLineBytes = 4 * 1024 * 1024;

/** What `dvsan-agent verify` prints: lets a redeploy finish in one round trip. */
export const agentVerifySchema = z.object({
  version: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  node: z.string(),
});
export type AgentVerify = z.infer<typeof agentVerifySchema>;
