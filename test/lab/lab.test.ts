// The lab itself, against real namespaces and sshds. Needs root. Uses its own prefix and subnet
// so it never touches a lab someone is using.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labDown,
  labStatus,
  labUp,
  nodeExec,
  readLabState,
  regenerateHostKey,
  type LabState,
} from '../../station/lab/index.js';

const run = promisify(execFile);
const prefix = 'dvx';
const subnet = '10.99.9';
let lab: LabState;

async function ssh(address: string, command: string): Promise<{ stdout: string; code: number }> {
  const argv = [
    '-i',
    lab.keyPath,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
    `root@${address}`,
    command,
  ];
  try {
    const { stdout } = await run('ssh', argv, { timeout: 20_000 });
    return { stdout, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; code?: number };
    return { stdout: err.stdout ?? '', code: typeof err.code === 'number' ? err.code : 255 };
  }
}

/** The fingerprint of the key the node's sshd really serves, as a client sees it. */
async function servedFingerprint(address: string): Promise<string> {
  const { stdout: scan } = await run('ssh-keyscan', ['-T', '5', '-t', 'ed25519', address], {
    timeout: 20_000,
  });
  const child = execFile('ssh-keygen', ['-lf', '-']);
  child.stdin?.end(scan);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => child.on('close', r));
  return out.split(' ')[1] ?? '';
}

function passwordLogin(address: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => {
      c.exec('hostname', (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (b: Buffer) => (out += b.toString()));
        stream.on('close', () => {
          c.end();
          resolve(out.trim());
        });
      });
    });
    c.on('error', reject);
    c.connect({
      host: address,
      port: 22,
      username: 'root',
      password,
      readyTimeout: 10_000,
      tryKeyboard: false,
    });
  });
}

const node = (name: string) => {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};

beforeAll(async () => {
  await labDown({ prefix }); // leftovers of an interrupted earlier run
  const started = Date.now();
  lab = await labUp({ units: 2, hosts: 1, prefix, subnet, withoutNode: [`${prefix}-h1`] });
  console.log(`lab ${prefix} up in ${Date.now() - started} ms`);
});

afterAll(async () => {
  await labDown({ prefix });
});

describe('lab', () => {
  it('writes a state file that reads back the same', async () => {
    expect(lab.nodes.map((n) => [n.name, n.role, n.address])).toEqual([
      ['dvx-u1', 'unit', '10.99.9.11'],
      ['dvx-u2', 'unit', '10.99.9.12'],
      ['dvx-h1', 'host', '10.99.9.101'],
    ]);
    expect(await readLabState(prefix)).toEqual(lab);
    expect((await readFile(lab.passwordPath, 'utf8')).trim().length).toBeGreaterThanOrEqual(20);
  });

  it('answers SSH on every node with its own hostname and a /bin/sh login shell', async () => {
    for (const n of lab.nodes) {
      const r = await ssh(
        n.address,
        'hostname; getent passwd root | cut -d: -f7; readlink /proc/$$/exe',
      );
      expect(r.code).toBe(0);
      const [hostname, shell, exe] = r.stdout.trim().split('\n');
      expect(hostname).toBe(n.name);
      expect(shell).toBe('/bin/sh');
      expect(exe).not.toMatch(/bash/);
    }
  });

  it('serves a different host key on each node, matching lab.json', async () => {
    const served = await Promise.all(lab.nodes.map((n) => servedFingerprint(n.address)));
    expect(served).toEqual(lab.nodes.map((n) => n.hostKeyFingerprint));
    expect(new Set(served).size).toBe(lab.nodes.length);
  });

  it('gives each node private /opt/dvsan, /var/lib/dvsan, /etc/tgt, /etc/iscsi, /run/dvsan and /root', async () => {
    const mounts = await ssh(node('dvx-u1').address, 'cut -d" " -f5 /proc/self/mountinfo');
    for (const dir of [
      '/opt/dvsan',
      '/var/lib/dvsan',
      '/etc/tgt',
      '/etc/iscsi',
      '/run/dvsan',
      '/root',
    ]) {
      expect(mounts.stdout.split('\n')).toContain(dir);
    }
    const marker = `written-on-u1-${Date.now()}`;
    expect(
      (
        await ssh(
          node('dvx-u1').address,
          `echo ${marker} > /opt/dvsan/marker && echo x > /var/lib/dvsan/data/vol`,
        )
      ).code,
    ).toBe(0);
    expect((await ssh(node('dvx-u1').address, 'cat /opt/dvsan/marker')).stdout.trim()).toBe(marker);
    expect(
      (
        await ssh(node('dvx-u2').address, 'ls -A /opt/dvsan; ls -A /var/lib/dvsan/data')
      ).stdout.trim(),
    ).toBe('');
    expect(existsSync('/opt/dvsan/marker')).toBe(false);
    expect(existsSync('/var/lib/dvsan/data/vol')).toBe(false);
    // Units get a data dir, hosts do not.
    expect((await ssh(node('dvx-h1').address, 'test -d /var/lib/dvsan/data')).code).not.toBe(0);
  });

  it('logs in with the lab password too', async () => {
    const password = (await readFile(lab.passwordPath, 'utf8')).trim();
    expect(await passwordLogin(node('dvx-u2').address, password)).toBe('dvx-u2');
  });

  it('hides node on --without-node nodes only', async () => {
    expect((await ssh(node('dvx-h1').address, 'command -v node')).code).not.toBe(0);
    if (existsSync('/usr/bin/node') || existsSync('/usr/local/bin/node')) {
      expect((await ssh(node('dvx-u1').address, 'command -v node')).code).toBe(0);
    }
  });

  it('runs commands inside a node with nodeExec, including node-to-node traffic', async () => {
    const r = await nodeExec(lab, 'dvx-u1', [
      'sh',
      '-c',
      'hostname; cat /opt/dvsan/marker; ip -br -4 addr show eth0',
    ]);
    expect(r.code).toBe(0);
    const [hostname, marker, eth0] = r.stdout.trim().split('\n');
    expect(hostname).toBe('dvx-u1');
    expect(marker).toMatch(/^written-on-u1-/);
    expect(eth0).toContain('10.99.9.11/24');
    expect((await nodeExec(lab, 'dvx-u1', ['false'])).code).toBe(1);
    const scan = await nodeExec(
      lab,
      'dvx-h1',
      ['ssh-keyscan', '-T', '5', '-t', 'ed25519', '10.99.9.12'],
      { timeoutMs: 20_000 },
    );
    expect(scan.stdout).toContain('ssh-ed25519');
  });

  it('reports every node up', async () => {
    const status = await labStatus({ prefix });
    expect(status.exists).toBe(true);
    expect(status.allUp).toBe(true);
    expect(status.leftovers).toEqual([]);
    expect(status.nodes.every((n) => n.sshdAlive && n.reachable)).toBe(true);
  });

  it('regenerates a host key and restarts that sshd over the same private dirs', async () => {
    const before = node('dvx-u2').hostKeyFingerprint;
    const oldPid = node('dvx-u2').sshdPid;
    const updated = await regenerateHostKey(lab, 'dvx-u2');
    expect(updated.hostKeyFingerprint).not.toBe(before);
    expect(updated.sshdPid).not.toBe(oldPid);
    expect(await servedFingerprint(updated.address)).toBe(updated.hostKeyFingerprint);
    expect(
      (await readLabState(prefix)).nodes.find((n) => n.name === 'dvx-u2')?.hostKeyFingerprint,
    ).toBe(updated.hostKeyFingerprint);
    const r = await ssh(
      updated.address,
      'hostname; cut -d" " -f5 /proc/self/mountinfo | grep -c "^/opt/dvsan$"',
    );
    expect(r.stdout.trim().split('\n')).toEqual(['dvx-u2', '1']);
    expect((await labStatus({ prefix })).allUp).toBe(true);
  });

  it('down removes every namespace, link, process, mount and the dir, and can run twice', async () => {
    const pids = lab.nodes.map((n) => n.sshdPid);
    const report = await labDown({ prefix });
    expect(report.found).toBe(true);
    expect(report.problems).toEqual([]);

    const { stdout: netns } = await run('ip', ['netns', 'list']);
    expect(netns.split('\n').filter((l) => l.startsWith(`${prefix}-`))).toEqual([]);
    const { stdout: links } = await run('ip', ['-br', 'link']);
    expect(links.split('\n').filter((l) => l.startsWith(`${prefix}-`))).toEqual([]);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      expect(cmdline).not.toContain(`${lab.dir}/`);
      expect(await readlink(`/proc/${entry}/cwd`).catch(() => '')).not.toContain(lab.dir);
    }
    const { stdout: mounts } = await run('findmnt', ['-rn', '-o', 'TARGET']);
    expect(mounts.split('\n').filter((m) => m.startsWith(lab.dir))).toEqual([]);
    expect(existsSync(lab.dir)).toBe(false);

    const again = await labDown({ prefix });
    expect(again.found).toBe(false);
    expect((await labStatus({ prefix })).exists).toBe(false);
  });
});
