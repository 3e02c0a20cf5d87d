// Two consoles in Debian's Chromium change the same volume at once against the real
// `dvsan serve` and a real lab unit: the second change waits for the first's lock and says
// so on the Tasks page, a queued change can be cancelled there, and the unit ends up with
// exactly what the station records.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../protocol/index.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import { launchChromium } from './browser.js';
import { deployLab } from '../shared/deploy-lab.js';
import { type RunningStation, startStation } from './station-server.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const prefix = 'dvq';
const shots = join(import.meta.dirname, '../../artifacts/screenshots');
const mib = 1024 * 1024;
let lab: LabState;
let station: RunningStation;
let client: StationClient;
let browser: Browser;
let alice: BrowserContext;
let bob: BrowserContext;
let aliceVolumes: Page;
let bobVolumes: Page;
let bobTasks: Page;
let volumeId: string;

async function poll<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await get().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > end) throw new Error(`${what}: not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every process below the lab unit's sshd that runs the agent's rpc server. */
function agentRpcPids(): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [lab.nodes[0]!.sshdPid];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      queue.push(child);
      const argv = (() => {
        try {
          return readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      })();
      if (argv.includes('rpc') && argv.some((a) => a.includes('dvsan'))) found.push(child);
    }
  }
  return found;
}

/** A unit that stops answering: its agent is frozen, so a change in flight holds its locks. */
function freezeAgent(): void {
  const pids = agentRpcPids();
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
}
function thawAgent(): void {
  for (const pid of agentRpcPids()) process.kill(pid, 'SIGCONT');
}

/** The volume file's size on the unit as `find` prints it; '' when there is no file. */
const volumeFileSize = async () =>
  (
    await nodeExec(lab, `${prefix}-u1`, [
      'find',
      '/var/lib/dvsan',
      '-type',
      'f',
      '-name',
      'shared-a.img',
      '-printf',
      '%s',
    ])
  ).stdout.trim();

async function openResize(page: Page, mibSize: number): Promise<void> {
  await page.getByTestId('volume-resize-shared-a').click();
  await page.getByTestId('resize-size').fill(String(mibSize));
  await page.getByTestId('resize-submit').click();
}

/** Runs the real CLI against the running station; resolves with what it printed. */
async function dvsan(...args: string[]): Promise<string> {
  const cli = join(import.meta.dirname, '../../bin/dvsan.mjs');
  const { stdout } = await run(process.execPath, [cli, '--station', station.url, ...args]);
  return stdout;
}

const queued = () => client.call('task/list', { states: ['queued'] });
const running = () => client.call('task/list', { states: ['running'] });

describe.skipIf(!isRoot)('console: tasks', () => {
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 1, hosts: 0, prefix, subnet: '10.99.22' });
    station = await startStation(mkdtempSync(join(tmpdir(), 'dvsan-e2e-')), 7422);
    client = new StationClient(remoteTransport(station.url));
    await deployLab(client, lab);
    volumeId = (await client.call('volume/create', { name: 'shared-a', sizeBytes: 64 * mib })).id;
    browser = await launchChromium();
    alice = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    bob = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    aliceVolumes = await alice.newPage();
    bobVolumes = await bob.newPage();
    bobTasks = await bob.newPage();
    await aliceVolumes.goto(`${station.url}/#/volumes`);
    await bobVolumes.goto(`${station.url}/#/volumes`);
    await bobTasks.goto(`${station.url}/#/tasks`);
    for (const page of [aliceVolumes, bobVolumes])
      await poll(
        'the volume on both consoles',
        () => page.getByTestId('volume-size-shared-a').textContent({ timeout: 1000 }),
        (text) => Boolean(text?.includes('64 MiB')),
        20_000,
      );
  }, 240_000);

  afterAll(async () => {
    if (lab) thawAgent();
    await browser?.close();
    await station?.stop();
    await labDown({ prefix });
  });

  it('queues the second of two resizes behind the first, says what it waits for, and applies both in order', async () => {
    freezeAgent();
    await openResize(aliceVolumes, 128);
    const first = await poll('first resize running', running, (ts) =>
      ts.some((t) => t.kind === 'volume.resize'),
    );
    const firstId = first.find((t) => t.kind === 'volume.resize')!.id;
    await openResize(bobVolumes, 256);
    const [waiting] = await poll('second resize queued', queued, (ts) => ts.length === 1);
    expect(waiting!.waitingFor).toBe(
      `volume shared-a — held by task ${firstId.slice(0, 8)} (volume.resize by local)`,
    );
    // Bob's Tasks page shows both, live: the running one with its bar, his own one waiting.
    await expect
      .poll(() => bobTasks.getByTestId(`task-status-${waiting!.id}`).textContent())
      .toContain(`waiting for volume shared-a — held by task ${firstId.slice(0, 8)}`);
    expect(await bobTasks.getByTestId(`task-state-${waiting!.id}`).textContent()).toBe('queued');
    expect(await bobTasks.getByTestId(`task-state-${firstId}`).textContent()).toBe('running');
    await bobTasks.screenshot({ path: join(shots, 'tasks-waiting.png'), fullPage: true });
    // The CLI sees the same queue, by the short id the console shows.
    const listed = JSON.parse(await dvsan('task', 'list', '--state', 'queued', '--json')) as {
      id: string;
    }[];
    expect(listed.map((t) => t.id)).toEqual([waiting!.id]);
    expect(await dvsan('task', 'show', waiting!.id.slice(0, 8))).toContain(
      `queued 0% — waiting for volume shared-a — held by task ${firstId.slice(0, 8)}`,
    );

    thawAgent();
    await expect
      .poll(() => bobTasks.getByTestId(`task-state-${waiting!.id}`).textContent(), {
        timeout: 30_000,
      })
      .toBe('succeeded');
    const [a, b] = await Promise.all([
      client.call('task/get', { id: firstId }),
      client.call('task/get', { id: waiting!.id }),
    ]);
    expect(a.state).toBe('succeeded');
    expect(b.startedAt! >= a.endedAt!).toBe(true); // the second ran only after the first
    expect(await bobTasks.getByTestId(`task-progress-${waiting!.id}`).textContent()).toBe('100%');
    // Both consoles, the station and the unit's real file agree on the last size.
    for (const page of [aliceVolumes, bobVolumes])
      await expect
        .poll(() => page.getByTestId('volume-size-shared-a').textContent(), { timeout: 10_000 })
        .toContain('256 MiB');
    expect(await volumeFileSize()).toBe(String(256 * mib));
  });

  it('cancels a queued export from the Tasks page; the running resize ends and the unit matches', async () => {
    freezeAgent();
    await openResize(aliceVolumes, 512);
    const resize = (
      await poll('resize running', running, (ts) => ts.some((t) => t.kind === 'volume.resize'))
    ).find((t) => t.kind === 'volume.resize')!;
    await bobVolumes.getByTestId('volume-export-shared-a').click();
    await bobVolumes.getByTestId('export-initiator').fill('iqn.2026-11.io.dvsan.lab:web-1');
    await bobVolumes.getByTestId('export-submit').click();
    const [exportTask] = await poll('export queued', queued, (ts) => ts.length === 1);
    expect(exportTask!.kind).toBe('volume.export');
    await expect
      .poll(() => bobTasks.getByTestId(`task-state-${exportTask!.id}`).textContent())
      .toBe('queued');
    // A running task offers Cancel too.
    await expect.poll(() => bobTasks.getByTestId(`task-cancel-${resize.id}`).count()).toBe(1);
    await bobTasks.getByTestId(`task-cancel-${exportTask!.id}`).click();
    await expect
      .poll(() => bobTasks.getByTestId(`task-state-${exportTask!.id}`).textContent())
      .toBe('cancelled');
    expect(await bobTasks.getByTestId(`task-cancel-${exportTask!.id}`).count()).toBe(0);
    // Bob's export dialog gets the station's answer: cancelled, nothing exported.
    await expect
      .poll(() => bobVolumes.getByTestId('export-error').textContent())
      .toContain('cancelled by local');
    await bobVolumes.keyboard.press('Escape');
    await expect.poll(() => bobVolumes.getByTestId('export-submit').count()).toBe(0);

    thawAgent();
    await expect
      .poll(() => bobTasks.getByTestId(`task-state-${resize.id}`).textContent(), {
        timeout: 30_000,
      })
      .toBe('succeeded');
    await bobTasks.getByTestId(`task-log-${exportTask!.id}`).click();
    await expect
      .poll(() => bobTasks.getByTestId('task-log-lines').textContent())
      .toContain('cancelled by local before it started');
    await bobTasks.waitForTimeout(500); // the drawer slides in
    await bobTasks.screenshot({ path: join(shots, 'tasks-log.png'), fullPage: true });
    await bobTasks.keyboard.press('Escape');
    await bobTasks.waitForTimeout(500);
    await bobTasks.screenshot({ path: join(shots, 'tasks.png'), fullPage: true });

    const volume = (await client.call('volume/list', {})).find((v) => v.id === volumeId)!;
    expect(volume).toMatchObject({ sizeBytes: 512 * mib, exports: [] });
    expect(await volumeFileSize()).toBe(String(512 * mib));
    // The unit's real targets match what the station wants: nothing missing, nothing extra.
    const check = await client.call('unit/reconcile', { id: volume.unitId, apply: false });
    expect(check).toMatchObject({ missing: [], drifted: [], leftovers: [] });
    expect(await queued()).toEqual([]);
    expect(await running()).toEqual([]);
  });
  it('cancels a running export: it finishes on the unit, then is undone, and the unit matches', async () => {
    freezeAgent();
    await bobVolumes.getByTestId('volume-export-shared-a').click();
    await bobVolumes.getByTestId('export-initiator').fill('iqn.2026-11.io.dvsan.lab:web-2');
    await bobVolumes.getByTestId('export-submit').click();
    const exportTask = (
      await poll('export running', running, (ts) => ts.some((t) => t.kind === 'volume.export'))
    ).find((t) => t.kind === 'volume.export')!;
    await bobTasks.getByTestId(`task-cancel-${exportTask.id}`).click();
    // Cooperative: the unit is busy, so the task runs on until its step returns.
    await expect
      .poll(async () => (await client.call('task/get', { id: exportTask.id })).log.at(-1)?.message)
      .toBe('cancel requested by local');
    expect(await bobTasks.getByTestId(`task-state-${exportTask.id}`).textContent()).toBe('running');
    thawAgent();
    const ended = await poll(
      'export ended',
      () => client.call('task/get', { id: exportTask.id }),
      (t) => t.state !== 'running',
      30_000,
    );
    expect(ended.state).toBe('cancelled');
    expect(ended.log.map((l) => l.message)).toContain(
      'undoing: export shared-a to iqn.2026-11.io.dvsan.lab:web-2',
    );
    const volume = (await client.call('volume/list', {})).find((v) => v.id === volumeId)!;
    expect(volume.exports).toEqual([]);
    const check = await client.call('unit/reconcile', { id: volume.unitId, apply: false });
    expect(check).toMatchObject({ missing: [], drifted: [], leftovers: [] });

    // Delete and a repair are tasks too, and the volume's file is really gone.
    expect(await client.call('volume/delete', { id: volumeId })).toEqual({ deleted: true });
    await client.call('unit/reconcile', { id: volume.unitId, apply: true });
    const kinds = (await client.call('task/list', { limit: 3 })).map((t) => `${t.kind} ${t.state}`);
    expect(kinds.slice(0, 3)).toEqual([
      'unit.reconcile succeeded',
      'volume.delete succeeded',
      'unit.check succeeded',
    ]);
    expect(await volumeFileSize()).toBe('');
  });
});
