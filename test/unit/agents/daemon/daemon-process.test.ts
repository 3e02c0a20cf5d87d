// agent.configure and the announce daemon as they run on a node without systemd: the bundled
// agent serves the RPC, starts the daemon as a process of its own, and the daemon's packets
// reach a UDP socket standing in for the station (127.0.0.1 only).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentMethods,
  rpcResponseSchema,
  type AgentResult,
} from '../../../../protocol/agent-rpc.js';
import {
  announceBodySchema,
  announcePacketSchema,
  maxAnnounceBytes,
  type AgentConfig,
  type AnnounceBody,
} from '../../../../protocol/announce.js';
import { buildAgent } from '../build-agent.js';

let dir: string;
let bundle: string;
let stateDir: string;
let runDir: string;
let station: dgram.Socket;
let port: number;
const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('hex');
/** Every pid this file made, killed in afterAll if it still runs our bundle. */
const started = new Set<number>();
let bystander: ChildProcess | undefined;

interface Received {
  body: AnnounceBody;
  key: string;
  size: number;
}
const received: Received[] = [];
const unverified: string[] = [];
let wake: (() => void) | undefined;

/** What the station does: size limit, packet shape, HMAC under one of the known keys, body. */
function accept(datagram: Buffer): void {
  try {
    if (datagram.length > maxAnnounceBytes) throw new Error('oversized');
    const packet = announcePacketSchema.parse(JSON.parse(datagram.toString('utf8')));
    const key = [keyA, keyB].find((candidate) => {
      const mac = createHmac('sha256', Buffer.from(candidate, 'hex'))
        .update(Buffer.from(packet.b, 'utf8'))
        .digest();
      return timingSafeEqual(mac, Buffer.from(packet.m, 'hex'));
    });
    if (!key) throw new Error('signature');
    received.push({
      body: announceBodySchema.parse(JSON.parse(packet.b)),
      key,
      size: datagram.length,
    });
  } catch (err) {
    unverified.push(String(err));
  }
  wake?.();
}

/** Waits (bounded) until `count` packets from `from` on match `match`; returns them. */
async function packets(
  from: number,
  count: number,
  match: (r: Received) => boolean,
  ms = 6000,
): Promise<Received[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = received.slice(from).filter(match);
    if (found.length >= count) return found;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(
        `waited ${ms} ms for ${count} packets, got ${JSON.stringify(received.slice(from).map((r) => r.body.kind))}`,
      );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 200));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function runAgent(args: string[], input: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: {
        ...process.env,
        DVSAN_STATE_DIR: stateDir,
        DVSAN_RUN_DIR: runDir,
        SSH_CONNECTION: '',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** One agent.configure over a real `dvsan-agent rpc` process, as the station's SSH session does. */
async function configure(
  params: AgentConfig,
  env: NodeJS.ProcessEnv = {},
): Promise<AgentResult<'agent.configure'>> {
  const request = { jsonrpc: '2.0', id: 1, method: 'agent.configure', params };
  const { code, stdout, stderr } = await runAgent(['rpc'], JSON.stringify(request) + '\n', env);
  expect(code, stderr).toBe(0);
  const response = rpcResponseSchema.parse(JSON.parse(stdout.trim()));
  if (!('result' in response))
    throw new Error(`configure failed: ${JSON.stringify(response.error)}`);
  const result = agentMethods['agent.configure'].result.parse(response.result);
  if (result.pid !== null) started.add(result.pid);
  return result;
}

/** Alive and not a zombie (an orphan's parent here may never reap it). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-daemon-'));
  bundle = await buildAgent(dir);
  stateDir = path.join(dir, 'state');
  runDir = path.join(dir, 'run');
  await mkdir(stateDir);
  await writeFile(path.join(stateDir, 'supervisor'), 'process\n');
  station = dgram.createSocket('udp4');
  station.on('message', accept);
  await new Promise<void>((resolve) => station.bind(0, '127.0.0.1', resolve));
  port = station.address().port;
}, 60_000);

afterAll(async () => {
  for (const pid of started) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(bundle)) process.kill(pid, 'SIGKILL');
  }
  bystander?.kill('SIGKILL');
  station?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('agent.configure with process supervision, and the daemon it runs', () => {
  const settings = (key: string): AgentConfig => ({
    nodeId: 'unit-07',
    stationAddress: null,
    stationPort: port,
    key,
    heartbeatSeconds: 1,
  });
  // The station as this node's SSH server saw it.
  const sshEnv = { SSH_CONNECTION: '127.0.0.1 50022 127.0.0.1 22' };
  let firstPid = 0;
  let secondPid = 0;

  it('stores the settings 0600 with the SSH client address and starts a daemon that announces', async () => {
    // A stale pid file naming some other program: configure must not signal it.
    bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    await mkdir(runDir);
    await writeFile(path.join(runDir, 'daemon.pid'), `${bystander.pid}\n`);
    const mark = received.length;
    const before = Date.now();
    const result = await configure(settings(keyA), sshEnv);
    expect(result).toMatchObject({ supervisor: 'process', restarted: true });
    firstPid = result.pid!;
    expect(await isRunning(firstPid)).toBe(true);
    expect(await isRunning(bystander!.pid!)).toBe(true);
    // The RPC process ended; the daemon did not go with it.
    expect(Date.now() - before).toBeLessThan(10_000);

    const file = path.join(stateDir, 'agent.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      ...settings(keyA),
      stationAddress: '127.0.0.1',
    });
    expect((await readFile(path.join(runDir, 'daemon.pid'), 'utf8')).trim()).toBe(String(firstPid));

    const [startup, ...rest] = await packets(mark, 3, () => true);
    expect(startup!.key).toBe(keyA);
    expect(startup!.body).toMatchObject({
      v: 1,
      kind: 'startup',
      nodeId: 'unit-07',
      hostname: os.hostname(),
      agentVersion: '9.9.9',
      interval: 1,
    });
    expect(Array.isArray(startup!.body.nics)).toBe(true);
    expect(startup!.body.nics!.map((n) => n.name)).not.toContain('lo');
    expect(startup!.body.ts).toBeGreaterThanOrEqual(before - 1000);
    for (const heartbeat of rest) {
      expect(heartbeat.body.kind).toBe('heartbeat');
      expect(heartbeat.body.nics).toBeUndefined();
      expect(heartbeat.key).toBe(keyA);
    }
    const nonces = [startup!, ...rest].map((r) => r.body.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(unverified).toEqual([]);
  }, 30_000);

  it('does nothing for the same settings again', async () => {
    const mark = received.length;
    const result = await configure(settings(keyA), sshEnv);
    expect(result).toEqual({ supervisor: 'process', pid: firstPid, restarted: false });
    // The same daemon keeps announcing: no goodbye. (A startup may repeat when other tests'
    // lab links change this machine's NIC set.)
    const after = await packets(mark, 2, () => true);
    expect(after.map((r) => r.body.kind)).not.toContain('shutdown');
    expect(after.some((r) => r.body.kind === 'heartbeat')).toBe(true);
  }, 30_000);

  it('restarts the daemon for a new key: the old one says goodbye, the new one starts', async () => {
    const mark = received.length;
    const result = await configure({ ...settings(keyB), stationAddress: '127.0.0.1' });
    expect(result).toMatchObject({ supervisor: 'process', restarted: true });
    secondPid = result.pid!;
    expect(secondPid).not.toBe(firstPid);
    expect(await isRunning(firstPid)).toBe(false);
    expect(await isRunning(secondPid)).toBe(true);

    const [goodbye] = await packets(mark, 1, (r) => r.body.kind === 'shutdown');
    expect(goodbye!.key).toBe(keyA);
    const [startup] = await packets(mark, 1, (r) => r.key === keyB);
    expect(startup!.body.kind).toBe('startup');
    // A changed NIC set (other tests' lab links come and go) may repeat the startup first.
    const [heartbeat] = await packets(
      mark,
      1,
      (r) => r.key === keyB && r.body.kind === 'heartbeat',
    );
    expect(heartbeat).toBeDefined();
    expect(received.slice(mark).findIndex((r) => r.key === keyB)).toBeGreaterThan(
      received.slice(mark).findIndex((r) => r.body.kind === 'shutdown'),
    );
  }, 30_000);

  it('on SIGTERM sends shutdown, removes its pid file and exits', async () => {
    const mark = received.length;
    process.kill(secondPid, 'SIGTERM');
    const [goodbye] = await packets(mark, 1, (r) => r.body.kind === 'shutdown');
    expect(goodbye!.key).toBe(keyB);
    expect(await until(async () => !(await isRunning(secondPid)), 3000)).toBe(true);
    await expect(stat(path.join(runDir, 'daemon.pid'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await isRunning(bystander!.pid!)).toBe(true);
    expect(unverified).toEqual([]);
  }, 30_000);

  it('daemon without settings exits 2 with a message on stderr', async () => {
    const empty = path.join(dir, 'empty-state');
    await mkdir(empty);
    const { code, stdout, stderr } = await runAgent(['daemon'], '', { DVSAN_STATE_DIR: empty });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('agent.json');
    await writeFile(
      path.join(empty, 'agent.json'),
      JSON.stringify({ ...settings(keyA), key: 'short' }),
    );
    const invalid = await runAgent(['daemon'], '', { DVSAN_STATE_DIR: empty });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('key');
    expect(invalid.stderr).not.toContain('short');
  }, 30_000);
});
