// The Hosts page in Debian's Chromium against the real `dvsan serve`, with a real lab unit and
// host deployed through the API: the host's initiator, an attach through the dialog that
// really mounts on the host, a refused mount point, a host's own request approved, a detach.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient, type Task } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import type { RunResult } from '../../station/lab/run.js';
import { launchChromium } from './browser.js';
import { deployLab } from '../shared/deploy-lab.js';
import { type RunningStation, startStation } from './station-server.js';

const isRoot = process.getuid?.() === 0;
const prefix = 'dvw';
const host = 'dvw-h1';
const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const shots = join(import.meta.dirname, '../../artifacts/screenshots');
let lab: LabState;
let station: RunningStation;
let client: StationClient;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const byTestId = (id: string) => page.getByTestId(id);
/** A picture for the docs: no toast over it and no focus ring left by a click. */
async function cleanShot(name: string): Promise<void> {
  await expect.poll(() => page.locator('.n-message').count(), { timeout: 15_000 }).toBe(0);
  // A string runs in the page: this file is type-checked without the DOM library.
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await shot(name);
}
/** Where the host has something mounted, as its own kernel says (empty: nothing there). */
const mountedOn = async (path: string) =>
  (await nodeExec(lab, host, ['findmnt', '-n', '-o', 'SOURCE', path])).stdout.trim();
const hostTaskKinds = async () =>
  (await client.call('task/list', {})).filter((t) => t.kind.startsWith('host.')).map((t) => t.kind);

/** The task of this kind the page started last. */
async function newestTask(kind: string): Promise<Task> {
  const tasks = (await client.call('task/list', {})).filter((t) => t.kind === kind);
  const newest = tasks.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (!newest) throw new Error(`no ${kind} task was started`);
  return newest;
}

/** The host's own `dvsan-agent request`, run in the background inside its namespaces. */
function requestFromHost(size: string, mount: string): Promise<RunResult> {
  const asked = nodeExec(
    lab,
    host,
    [process.execPath, bundlePath, 'request', '--size', size, '--mount', mount, '--wait', '120'],
    { timeoutMs: 150_000 },
  );
  // Awaited by the test; until then a failure must not surface as an unhandled rejection.
  asked.catch(() => undefined);
  return asked;
}

async function pickVolume(name: string): Promise<void> {
  await byTestId('attach-volume').click();
  await page.locator('.n-base-select-option', { hasText: name }).first().click();
}

describe.skipIf(!isRoot)('console: hosts', () => {
  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error('build the agent: node build/build.mjs agent');
    mkdirSync(shots, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 1, hosts: 1, prefix, subnet: '10.99.25' });
    station = await startStation(mkdtempSync(join(tmpdir(), 'dvsan-e2e-hosts-')), 7425);
    client = new StationClient(remoteTransport(station.url));
    Object.assign(ids, await deployLab(client, lab));
    await client.call('volume/create', { name: 'e2e-data', sizeBytes: 64 * 1024 ** 2 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${station.url}/#/hosts`);
  });

  afterAll(async () => {
    await browser?.close();
    await station?.stop();
    await labDown({ prefix });
  });

  it('lists the host with the initiator its agent reported', async () => {
    const inventory = (await client.call('node/get', { id: ids[host]! })).inventory;
    const initiator = inventory?.initiator;
    expect(initiator, 'the host agent reports its initiator').toBeTruthy();
    const cell = byTestId(`host-initiator-${host}`);
    await expect.poll(() => cell.textContent(), { timeout: 15_000 }).toContain(initiator!.iqn);
    expect(await cell.textContent()).toContain(initiator!.backend);
    expect(await byTestId(`host-health-${host}`).textContent()).toBe('up');
    expect(await byTestId(`host-volumes-${host}`).textContent()).toBe('0');
    expect(await byTestId('requests-empty').textContent()).toContain(
      'dvsan-agent request --size 20G --mount /data',
    );
  });

  it('refuses a mount point that is not absolute in the dialog and starts nothing', async () => {
    await byTestId(`host-attach-${host}`).click();
    await pickVolume('e2e-data');
    await byTestId('attach-fs-ext4').click();
    await byTestId('attach-mount').fill('data');
    await byTestId('attach-submit').click();
    await expect
      .poll(() => byTestId('attach-dialog').textContent())
      .toContain('must be an absolute, normalized path');
    await page.waitForTimeout(500);
    await shot('hosts-attach-invalid');
    expect(await hostTaskKinds()).toEqual([]);
    expect((await client.call('host/list', {}))[0]!.attachments).toEqual([]);
  });

  it('attaches a volume with ext4 at /mnt/e2e and shows it attached with its device', async () => {
    await byTestId('attach-mount').fill('/mnt/e2e');
    await expect
      .poll(() => byTestId('attach-dialog').textContent())
      .not.toContain('must be an absolute, normalized path');
    await cleanShot('hosts-attach-dialog');
    await byTestId('attach-submit').click();
    await expect.poll(() => page.textContent('body')).toContain('task started');
    await byTestId(`host-row-${host}`).click();
    // The task's own end first, so a failed attach fails here with the station's reason.
    const task = await newestTask('host.attach');
    const ended = await waitForTask(client, task.id, () => undefined, 90_000);
    expect(ended.error?.message ?? null).toBeNull();
    await expect.poll(() => byTestId('attachment-state-e2e-data').textContent()).toBe('attached');
    const device = (await byTestId('attachment-device-e2e-data').textContent())!.trim();
    expect(device).toMatch(/^\/dev\/\S+$/);
    expect(await byTestId('attachment-mount-e2e-data').textContent()).toContain('/mnt/e2e');
    // The host's kernel agrees: the device the page shows is mounted there.
    expect(await mountedOn('/mnt/e2e')).toBe(device);
    await cleanShot('hosts-detail');
    await page.keyboard.press('Escape');
    await expect.poll(() => byTestId(`host-volumes-${host}`).textContent()).toBe('1');
  });

  it("queues a host's own request and attaches it once approved", async () => {
    await page.goto(`${station.url}/#/hosts`);
    // The host asks by itself; the default policy sends every request for approval.
    const asked = requestFromHost('16M', '/mnt/req');
    const pending = page.locator('[data-testid^="request-approve-"]');
    await expect.poll(() => pending.count(), { timeout: 30_000 }).toBe(1);
    expect(await byTestId('requests-pending').textContent()).toContain('/mnt/req');
    await page.waitForTimeout(400);
    await cleanShot('hosts-page');
    await pending.click();
    const done = await asked;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain('/mnt/req');
    await expect
      .poll(() => byTestId('requests-decided').textContent(), { timeout: 15_000 })
      .toMatch(/done.*granted by local, attached/);
    expect(await mountedOn('/mnt/req')).toMatch(/^\/dev\//);
    await expect.poll(() => byTestId(`host-volumes-${host}`).textContent()).toBe('2');
  });

  it('denies a request with a reason the host is told', async () => {
    const asked = requestFromHost('32M', '/mnt/denied');
    const deny = page.locator('[data-testid^="request-deny-"]');
    await expect.poll(() => deny.count(), { timeout: 30_000 }).toBe(1);
    await deny.click();
    await byTestId('deny-reason').fill('no room this week');
    await byTestId('deny-submit').click();
    const done = await asked;
    expect(done.code).toBe(1);
    expect(done.stdout).toContain('denied: no room this week');
    await expect
      .poll(() => byTestId('requests-decided').textContent())
      .toContain('denied by local: no room this week');
    expect(await mountedOn('/mnt/denied')).toBe('');
  });

  it('assigns a new volume through its dialog: made on the unit, attached and mounted', async () => {
    await byTestId(`host-assign-${host}`).click();
    await byTestId('assign-size').fill('16M');
    await byTestId('assign-name').fill('e2e-new');
    await byTestId('assign-mount').fill('/mnt/new');
    await shot('hosts-assign-dialog');
    await byTestId('assign-submit').click();
    await expect.poll(() => page.textContent('body')).toContain('task started');
    const task = await newestTask('host.assign');
    expect((await waitForTask(client, task.id, () => undefined, 90_000)).error).toBeNull();
    await page.goto(`${station.url}/#/hosts/${ids[host]}`);
    await expect.poll(() => byTestId('attachment-state-e2e-new').textContent()).toBe('attached');
    const device = (await byTestId('attachment-device-e2e-new').textContent())!.trim();
    expect(await mountedOn('/mnt/new')).toBe(device);
    expect((await client.call('volume/list', {})).map((v) => v.name)).toContain('e2e-new');
    // A look at the dark theme with three volumes attached, then back.
    for (const theme of ['dark', 'light']) {
      await page.evaluate(`localStorage.setItem('dvsan.theme', '${theme}')`);
      await page.reload();
      await expect.poll(() => byTestId('attachment-state-e2e-new').count()).toBe(1);
      if (theme === 'dark') await cleanShot('hosts-detail-dark');
    }
  });

  it('detaches and force-detaches: the volumes leave the page and the host unmounts them', async () => {
    await page.goto(`${station.url}/#/hosts/${ids[host]}`);
    await byTestId('attachment-detach-e2e-data').click();
    await page.locator('.n-dialog').getByRole('button', { name: 'Detach' }).click();
    await expect.poll(() => byTestId('attachment-e2e-data').count(), { timeout: 60_000 }).toBe(0);
    expect(await mountedOn('/mnt/e2e')).toBe('');
    // The assigned one goes by force: the confirmation says what that risks.
    await byTestId('attachment-force-detach-e2e-new').click();
    expect(await page.locator('.n-dialog').textContent()).toContain(
      'Writes the host has not yet sent to the unit may be lost',
    );
    await page.locator('.n-dialog').getByRole('button', { name: 'Force detach' }).click();
    await expect.poll(() => byTestId('attachment-e2e-new').count(), { timeout: 60_000 }).toBe(0);
    expect(await mountedOn('/mnt/new')).toBe('');
    // The requested volume goes through the API, so the lab comes down with nothing attached.
    for (const a of (await client.call('host/list', {}))[0]!.attachments) {
      const { taskId } = await client.call('host/detach', { attachmentId: a.id });
      expect((await waitForTask(client, taskId, () => undefined, 60_000)).error).toBeNull();
    }
    expect((await client.call('host/list', {}))[0]!.attachments).toEqual([]);
    expect(await mountedOn('/mnt/req')).toBe('');
  });

  it('saves the request policy typed as sizes on the Settings page', async () => {
    await page.goto(`${station.url}/#/settings`);
    await byTestId('settings-auto-grant').fill('8M');
    await byTestId('settings-host-quota').fill('1G');
    await expect
      .poll(() => byTestId('settings-policy-text').textContent())
      .toContain('up to 8 MiB are granted at once');
    await byTestId('settings-save').click();
    await expect
      .poll(async () => (await client.call('settings/get', {})).requestPolicy)
      .toEqual({ autoGrantBytes: 8 * 1024 ** 2, hostQuotaBytes: 1024 ** 3 });
    await byTestId('settings-host-quota').fill('0');
    await expect.poll(() => page.textContent('body')).toContain('a quota must be above 0');
    expect(await byTestId('settings-save').isDisabled()).toBe(true);
    await shot('settings-policy');
  });
});
