// Builds the agent exactly as it ships (one CommonJS file) and runs it as a real process with
// real stdin/stdout, so a bundling mistake (top-level await, import.meta, a stray stdout log)
// fails here rather than on a SAN unit.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMethods, agentVerifySchema, rpcResponseSchema } from '../../../protocol/agent-rpc.js';

let dir: string;
let outfile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-agent-bundle-'));
  outfile = path.join(dir, 'dvsan-agent.cjs');
  await build({
    entryPoints: ['agents/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    define: { __DVSAN_VERSION__: '"9.9.9"' },
    outfile,
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [outfile, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe('the bundled agent', () => {
  it('verify prints one JSON line with its version, its own sha256 and the node runtime', async () => {
    const { code, stdout } = await run(['verify']);
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const verify = agentVerifySchema.parse(JSON.parse(lines[0]!));
    expect(verify.version).toBe('9.9.9');
    expect(verify.sha256).toBe(
      createHash('sha256')
        .update(await readFile(outfile))
        .digest('hex'),
    );
    expect(verify.node).toBe(`${process.execPath} ${process.version}`);
  });

  it('version prints the injected version; anything else prints usage to stderr and exits 2', async () => {
    expect(await run(['version'])).toMatchObject({ code: 0, stdout: '9.9.9\n' });
    for (const args of [[], ['daemon-nope'], ['rpc', 'extra']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('usage: dvsan-agent');
    }
  });

  it('rpc answers agent.hello and node.inventory over real stdin/stdout, then exits 0 on EOF', async () => {
    const dataDir = path.join(dir, 'data');
    const input =
      [
        { jsonrpc: '2.0', id: 1, method: 'agent.hello', params: {} },
        { jsonrpc: '2.0', id: 'inv', method: 'node.inventory', params: {} },
      ]
        .map((request) => JSON.stringify(request))
        .join('\n') + '\n';
    const { code, stdout } = await run(['rpc'], { input, env: { DVSAN_DATA_DIR: dataDir } });
    expect(code).toBe(0);
    const responses = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => rpcResponseSchema.parse(JSON.parse(line)));
    expect(responses).toHaveLength(2);

    const hello = responses.find((r) => r.id === 1);
    if (!hello || !('result' in hello)) throw new Error(`no hello result: ${stdout}`);
    expect(agentMethods['agent.hello'].result.parse(hello.result)).toEqual({
      version: '9.9.9',
      protocol: 1,
      // Every method of the contract except the greeting itself.
      capabilities: Object.keys(agentMethods).filter((m) => m !== 'agent.hello'),
    });

    const answer = responses.find((r) => r.id === 'inv');
    if (!answer || !('result' in answer)) throw new Error(`no inventory result: ${stdout}`);
    const inventory = agentMethods['node.inventory'].result.parse(answer.result);
    expect(inventory.hostname).toBe(os.hostname());
    expect(inventory.dataDir.path).toBe(dataDir);
    expect((await stat(dataDir)).isDirectory()).toBe(true);
    expect(inventory.agent).toEqual({ version: '9.9.9', node: process.version });
    expect(inventory.nics.map((n) => n.name)).not.toContain('lo');
  });
});
