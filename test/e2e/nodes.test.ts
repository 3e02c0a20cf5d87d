// The console in Debian's Chromium against the real `dvsan serve`, with a real lab unit:
// add it through the UI, confirm its key, deploy it, read its inventory.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type LabState } from '../../station/lab/index.js';
import { launchChromium } from './browser.js';
import { type RunningStation, startStation } from './station-server.js';

const isRoot = process.getuid?.() === 0;
const shots = join(import.meta.dirname, '../../artifacts/screenshots');
let lab: LabState;
let station: RunningStation;
let browser: Browser;
let page: Page;

const shot = (name: string) =>
  page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const byTestId = (id: string) => page.getByTestId(id);

describe.skipIf(!isRoot)('console: nodes', () => {
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    await labDown({ prefix: 'dve' });
    lab = await labUp({ units: 1, hosts: 0, prefix: 'dve', subnet: '10.99.4' });
    station = await startStation(mkdtempSync(join(tmpdir(), 'dvsan-e2e-')), 7391);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${station.url}/#/nodes`);
  });

  afterAll(async () => {
    await browser?.close();
    await station?.stop();
    await labDown({ prefix: 'dve' });
  });

  it('shows an empty state that says what to do', async () => {
    await expect.poll(() => page.textContent('body')).toContain('lab up');
    await shot('nodes-empty');
  });

  it('shows the server’s clear error for a node with no sshd, and adds nothing', async () => {
    await byTestId('add-node-button').click();
    await byTestId('add-node-name').fill('dve-u1');
    await byTestId('add-node-address').fill(lab.nodes[0]!.address);
    await byTestId('add-node-port').fill('2222');
    await byTestId('add-node-key-path').fill(lab.keyPath);
    await byTestId('add-node-submit').click();
    await expect
      .poll(() => byTestId('add-node-error').textContent(), { timeout: 15_000 })
      .toMatch(/is sshd running/);
    await shot('add-node-error');
  });

  it('adds a unit, shows its host key for confirmation, and deploys it with live progress', async () => {
    await byTestId('add-node-port').fill('22');
    await byTestId('add-node-submit').click();
    const fingerprint = byTestId('hostkey-fingerprint');
    await expect
      .poll(() => fingerprint.textContent(), { timeout: 15_000 })
      .toContain(lab.nodes[0]!.hostKeyFingerprint);
    await page.waitForTimeout(600); // the add dialog fades out first
    await shot('hostkey-confirm');
    await byTestId('hostkey-accept').click();
    await expect.poll(() => byTestId('node-hostkey-dve-u1').textContent()).toMatch(/trusted/i);
    await byTestId('node-deploy-dve-u1').click();
    await expect
      .poll(() => byTestId('node-state-dve-u1').textContent(), { timeout: 60_000 })
      .toMatch(/ready/i);
    await shot('nodes-deployed');
  });

  it("shows the node's inventory as the node reports it", async () => {
    await byTestId('node-details-dve-u1').click();
    await expect
      .poll(() => byTestId('inventory-hostname').textContent(), { timeout: 15_000 })
      .toContain('dve-u1');
    expect(await byTestId('inventory-nics').textContent()).toContain(lab.nodes[0]!.address);
    expect(await byTestId('inventory-datadir').textContent()).toContain('/var/lib/dvsan/data');
    // Let the drawer finish sliding in before the picture.
    await page.waitForTimeout(600);
    await shot('node-detail');
  });

  it('shows the unit up and in the pool once its daemon announced it', async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('menuitem', { name: 'Pool' }).click();
    await expect
      .poll(() => byTestId('pool-unit-health-dve-u1').textContent(), { timeout: 20_000 })
      .toMatch(/up/);
    expect(await byTestId('pool-unit-dve-u1').textContent()).toContain('dve-u1');
    expect(await byTestId('pool-total').textContent()).toMatch(/GiB|TiB/);
    await page.waitForTimeout(800); // the chart animates in
    await shot('pool');
    await page.getByRole('menuitem', { name: 'Events' }).click();
    await expect.poll(() => page.textContent('body')).toContain('dve-u1 is up');
    await shot('events');
  });

  it('creates a volume on the unit and exports it to a host initiator', async () => {
    await page.getByRole('menuitem', { name: 'Volumes' }).click();
    await expect.poll(() => page.textContent('body')).toContain('No volumes yet');
    await byTestId('volume-create').click();
    await byTestId('create-volume-name').fill('web-data');
    await byTestId('create-volume-size').fill('1');
    await byTestId('create-volume-submit').click();
    await expect
      .poll(() => byTestId('volume-row-web-data').textContent(), { timeout: 20_000 })
      .toContain('web-data');
    expect(await byTestId('volume-size-web-data').textContent()).toMatch(/1(\.0)? GiB/);
    await byTestId('volume-export-web-data').click();
    await byTestId('export-initiator').fill('iqn.2026-11.io.dvsan.lab:web-1');
    await byTestId('export-submit').click();
    await expect
      .poll(() => byTestId('volume-exports-web-data').textContent(), { timeout: 20_000 })
      .toContain('web-1');
    await page.waitForTimeout(400);
    await shot('volumes');
  });
});
