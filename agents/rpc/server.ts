import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import {
  agentMethods,
  maxRpcLineBytes,
  rpcErrorNumbers,
  rpcRequestSchema,
  type AgentMethod,
  type AgentParams,
  type AgentResult,
  type RpcResponse,
} from '../../protocol/agent-rpc.js';
import { DvsanError, type ErrorShape } from '../../protocol/errors.js';
import type { Log } from '../log.js';
import { readLines } from './lines.js';

/**
 * One handler per method in protocol/agent-rpc.ts. The mapped type makes the compiler refuse
 * a handler map that misses a method or returns the wrong shape, so adding a method to the
 * protocol means adding exactly one entry here.
 */
export type AgentHandlers = {
  [M in AgentMethod]: (params: AgentParams<M>) => Promise<AgentResult<M>>;
};

export interface RpcServerOptions {
  input: Readable;
  output: Writable;
  handlers: AgentHandlers;
  log: Log;
  /** Defaults to the protocol's limit; tests pass a small one. */
  maxLineBytes?: number;
}

type RpcId = string | number | null;

/** Thrown inside the server to answer with a JSON-RPC error number. */
class RpcFailure extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: ErrorShape,
  ) {
    super(message);
  }
}

/**
 * Serves line-delimited JSON-RPC 2.0 until `input` ends, then waits for the requests still
 * running and resolves. Requests run concurrently; every answer carries its request's id.
 */
export async function serveRpc(options: RpcServerOptions): Promise<void> {
  const { input, output, handlers, log } = options;
  const inFlight = new Set<Promise<void>>();

  // A station that hangs up makes stdout fail with EPIPE; that must not crash the agent.
  output.on('error', (err) => log('warn', 'rpc output failed', { error: err.message }));

  const send = (response: RpcResponse): void => {
    if (output.writable) output.write(JSON.stringify(response) + '\n');
  };

  const onLine = (line: string): void => {
    if (line.trim() === '') return;
    const job = answer(line, handlers, log)
      .then(send)
      .catch((err: unknown) => log('error', 'rpc answer not sent', { error: String(err) }));
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  const onOversized = (): void => {
    const limit = options.maxLineBytes ?? maxRpcLineBytes;
    send(
      errorResponse(
        null,
        new RpcFailure(rpcErrorNumbers.invalidRequest, `request line longer than ${limit} bytes`),
      ),
    );
  };

  try {
    await readLines(input, options.maxLineBytes ?? maxRpcLineBytes, {
      line: onLine,
      oversized: onOversized,
    });
  } finally {
    // Snapshot: a finishing job removes itself from the set while we wait.
    await Promise.all([...inFlight]);
  }
}

/** Turns one request line into its response; never rejects. */
async function answer(line: string, handlers: AgentHandlers, log: Log): Promise<RpcResponse> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return errorResponse(
      null,
      new RpcFailure(rpcErrorNumbers.parseError, 'parse error: not valid JSON'),
    );
  }
  const request = rpcRequestSchema.safeParse(raw);
  if (!request.success) {
    return errorResponse(
      idOf(raw),
      new RpcFailure(rpcErrorNumbers.invalidRequest, `invalid request: ${describe(request.error)}`),
    );
  }
  const { id, method, params } = request.data;
  try {
    if (!isAgentMethod(method)) {
      throw new RpcFailure(rpcErrorNumbers.methodNotFound, `method not found: ${method}`);
    }
    const result = await dispatch(method, params, handlers, log);
    return { jsonrpc: '2.0', id, result };
  } catch (err) {
    return errorResponse(id, toFailure(err, method, log));
  }
}

async function dispatch(
  method: AgentMethod,
  rawParams: unknown,
  handlers: AgentHandlers,
  log: Log,
): Promise<unknown> {
  const spec = agentMethods[method];
  const params = spec.params.safeParse(rawParams ?? {});
  if (!params.success) {
    const message = describe(params.error);
    throw new RpcFailure(rpcErrorNumbers.invalidParams, message, {
      name: 'DvsanError',
      code: 'invalid-params',
      message,
    });
  }
  // The map is keyed by method, so this handler takes this method's params; TypeScript cannot
  // follow that correlation through a union key, hence the one cast.
  const handler = handlers[method] as (p: unknown) => Promise<unknown>;
  const result = await handler(params.data);
  const checked = (spec.result as z.ZodType).safeParse(result);
  if (!checked.success) {
    // A bug in the agent: log the details here, send the station nothing it could misread.
    log('error', 'handler result failed its schema', { method, issues: checked.error.issues });
    throw internalFailure(`internal error: ${method} produced an invalid result`);
  }
  return checked.data;
}

function toFailure(err: unknown, method: string, log: Log): RpcFailure {
  if (err instanceof RpcFailure) return err;
  if (err instanceof DvsanError)
    return new RpcFailure(rpcErrorNumbers.application, err.message, err.toShape());
  const message = err instanceof Error ? err.message : String(err);
  log('error', 'handler failed', {
    method,
    error: message,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return internalFailure(`internal error: ${message}`);
}

/** `data` carries the dvsan shape too, so the station rebuilds every failure the same way. */
function internalFailure(message: string): RpcFailure {
  return new RpcFailure(rpcErrorNumbers.internal, message, {
    name: 'DvsanError',
    code: 'internal',
    message,
  });
}

function errorResponse(id: RpcId, failure: RpcFailure): RpcResponse {
  const error = failure.data
    ? { code: failure.rpcCode, message: failure.message, data: failure.data }
    : { code: failure.rpcCode, message: failure.message };
  return { jsonrpc: '2.0', id, error };
}

function isAgentMethod(method: string): method is AgentMethod {
  // hasOwn, not `in`: 'toString' or '__proto__' must not look like methods.
  return Object.hasOwn(agentMethods, method);
}

/** Echo the id of a malformed request when it has a usable one, as JSON-RPC asks. */
function idOf(raw: unknown): RpcId {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}
