// The Dashboard and the Topology page in Debian's Chromium against the real `dvsan serve`,
// with two lab units and a host deployed through the API and one volume exported to the host:
// capacity and health at a glance, a real unit going down raising an alert that is then
// acknowledged (on the Dashboard and on the Events page), and the live graph of units, volumes
// and hosts, by mouse and by keyboard, in the light and the dark theme.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../protocol/index.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { labDown, labUp, nodeExec, type LabState } from '../../station/lab/index.js';
import { launchChromium } from './browser.js';
import { deployLab } from '../shared/deploy-lab.js';
import { type RunningStation, startStation } from './station-server.js';

const isRoot = process.getuid?.() === 0;
const prefix = 'dvd';
const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const shots = join(import.meta.dirname, '../../artifacts/screenshots');
let lab: LabState;
let station: RunningStation;
let client: StationClient;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};
let volumeId = '';

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const byTestId = (id: string) => page.getByTestId(id);
const text = async (id: string) => (await byTestId(id).textContent())?.trim();

/** Where cytoscape drew an element, in page pixels (cytoscape keeps its instance on the container). */
async function drawnAt(elementId: string): Promise<{ x: number; y: number }> {
  return byTestId('topology-graph').evaluate((el, id) => {
    type Cy = { getElementById(id: string): { renderedPosition(): { x: number; y: number } } };
    const cy = (el as unknown as { _cyreg: { cy: Cy } })._cyreg.cy;
    const p = cy.getElementById(id).renderedPosition();
    const box = el.getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, elementId);
}

/** Every drawn element's position in the graph's own coordinates (not the view's). */
async function modelPositions(): Promise<Record<string, { x: number; y: number }>> {
  return byTestId('topology-graph').evaluate((el) => {
    type Pos = { x: number; y: number };
    type Cy = { nodes(): { map<T>(f: (n: { id(): string; position(): Pos }) => T): T[] } };
    const cy = (el as unknown as { _cyreg: { cy: Cy } })._cyreg.cy;
    return Object.fromEntries(cy.nodes().map((n) => [n.id(), { ...n.position() }]));
  });
}

/** The label colour cytoscape uses and the page background, as [r, g, b] sums (0-765). */
async function graphBrightness(): Promise<{ label: number; page: number }> {
  return byTestId('topology-graph').evaluate((el) => {
    type Cy = { nodes(): { first(): { style(name: string): string } } };
    const cy = (el as unknown as { _cyreg: { cy: Cy } })._cyreg.cy;
    // This file is type-checked without the DOM library: the page's globals, as far as used.
    const browser = globalThis as unknown as {
      document: { body: unknown };
      getComputedStyle(e: unknown): { backgroundColor: string };
    };
    const sum = (css: string) =>
      (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).reduce((s, n) => s + Number(n), 0);
    return {
      label: sum(cy.nodes().first().style('color')),
      page: sum(browser.getComputedStyle(browser.document.body).backgroundColor),
    };
  });
}

describe.skipIf(!isRoot)('console: dashboard and topology', () => {
  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error('build the agent: node build/build.mjs agent');
    mkdirSync(shots, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 2, hosts: 1, prefix, subnet: '10.99.27' });
    station = await startStation(mkdtempSync(join(tmpdir(), 'dvsan-e2e-dash-')), 7427);
    client = new StationClient(remoteTransport(station.url));
    // Fast heartbeats (they apply at deploy), so a dead daemon is noticed in a few seconds.
    await client.call('settings/update', { heartbeatSeconds: 1, missedHeartbeats: 2 });
    Object.assign(ids, await deployLab(client, lab));
    const initiator = (await client.call('node/get', { id: ids['dvd-h1']! })).inventory?.initiator;
    if (!initiator) throw new Error('the lab host reported no initiator');
    const volume = await client.call('volume/create', {
      name: 'dash-data',
      sizeBytes: 64 * 1024 ** 2,
      unitId: ids['dvd-u1'],
    });
    volumeId = volume.id;
    await client.call('volume/export', {
      id: volume.id,
      initiatorIqn: initiator.iqn,
      hostId: ids['dvd-h1'],
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // The light theme first, whatever the OS says; the console remembers the pick.
    await page.addInitScript(() => {
      type Storage = { getItem(k: string): string | null; setItem(k: string, v: string): void };
      const storage = (globalThis as unknown as { localStorage: Storage }).localStorage;
      if (!storage.getItem('dvsan.theme')) storage.setItem('dvsan.theme', 'light');
    });
    await page.goto(station.url);
  });

  afterAll(async () => {
    await browser?.close();
    await station?.stop();
    await labDown({ prefix });
  });

  it('opens on the Dashboard: the capacity chart, 2 units and 1 host up, no open alert', async () => {
    await expect.poll(() => page.url()).toMatch(/#\/dashboard$|\/$/);
    await expect.poll(() => text('dash-units-up'), { timeout: 15_000 }).toBe('2 up');
    expect(await text('dash-units-down')).toBe('0 down');
    expect(await text('dash-hosts-up')).toBe('1 up');
    // The Pool page's chart, drawn on a canvas, with both units on its axis.
    await expect.poll(() => byTestId('pool-chart').locator('canvas').count()).toBeGreaterThan(0);
    expect(await text('dash-capacity-totals')).toMatch(/GiB|TiB/);
    expect(await text('dash-alerts-count')).toBe('0');
    expect(await text('dash-alerts-empty')).toContain('No open alerts');
    expect(await byTestId('dash-events').textContent()).toMatch(/dvd-(u1|u2|h1) is up/);
  });

  it('raises an alert when a unit goes down, and acknowledges it', async () => {
    const pid = (await nodeExec(lab, 'dvd-u2', ['cat', '/run/dvsan/daemon.pid'])).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    await nodeExec(lab, 'dvd-u2', ['kill', '-KILL', pid]);
    await expect.poll(() => text('dash-units-down'), { timeout: 20_000 }).toBe('1 down');
    expect(await text('dash-units-up')).toBe('1 up');
    const [alert] = await client.call('event/list', { openAlerts: true });
    expect(alert).toMatchObject({ kind: 'node.down', nodeId: ids['dvd-u2'], severity: 'critical' });
    await expect.poll(() => text('dash-alerts-count')).toBe('1');
    expect(await byTestId(`dash-alert-${alert!.id}`).textContent()).toContain('dvd-u2');
    await page.waitForTimeout(800); // the chart animates the down unit's bar
    await shot('dashboard');

    await byTestId(`dash-ack-${alert!.id}`).click();
    await expect.poll(() => text('dash-alerts-count')).toBe('0');
    // The station recorded who acknowledged it, and the open list is empty there too.
    const [acked] = (await client.call('event/list', {})).filter((e) => e.id === alert!.id);
    expect(acked).toMatchObject({ acknowledgedBy: 'local' });
    expect(acked?.acknowledgedAt).toBeTruthy();
    expect(await client.call('event/list', { openAlerts: true })).toEqual([]);
  });

  it('draws units, the volume and the host with their links on the Topology page', async () => {
    await page.getByRole('menuitem', { name: 'Topology' }).click();
    await expect
      .poll(() => text('topology-summary'), { timeout: 15_000 })
      .toBe('2 units, 1 volume, 1 host, 2 links');
    await expect
      .poll(() => byTestId('topology-graph').locator('canvas').count())
      .toBeGreaterThan(0);
    // The same links in the list view: the unit holds the volume, the volume goes to the host.
    await byTestId('topology-view-list').click();
    const holds = await text(`topology-row-holds:${volumeId}`);
    expect(holds).toMatch(/unit dvd-u1 \(up\)\s*holds\s*volume dash-data \(exported\)/);
    const link = await text(`topology-row-link:${volumeId}:${ids['dvd-h1']}`);
    expect(link).toMatch(/volume dash-data.*used by\s*host dvd-h1 \(up\)\s*exported/);
    expect(await text(`topology-row-unit:${ids['dvd-u2']}`)).toMatch(/unit dvd-u2 \(down\)/);
    await byTestId('topology-view-graph').click();
    await page.waitForTimeout(500);
    await shot('topology');
  });

  it('opens the Volumes page when the volume is clicked', async () => {
    const at = await drawnAt(`volume:${volumeId}`);
    await page.mouse.click(at.x, at.y);
    await expect.poll(() => page.url()).toContain(`#/volumes/${volumeId}`);
    await expect.poll(() => byTestId('volume-row-dash-data').count()).toBe(1);
  });

  it('adds a new volume live, without moving anything already drawn', async () => {
    await page.getByRole('menuitem', { name: 'Topology' }).click();
    await expect
      .poll(() => byTestId('topology-graph').locator('canvas').count())
      .toBeGreaterThan(0);
    const before = await modelPositions();
    expect(Object.keys(before)).toHaveLength(4);
    const added = await client.call('volume/create', {
      name: 'dash-more',
      sizeBytes: 32 * 1024 ** 2,
      unitId: ids['dvd-u1'],
    });
    await expect.poll(() => text('topology-summary')).toBe('2 units, 2 volumes, 1 host, 3 links');
    const after = await modelPositions();
    for (const [id, p] of Object.entries(before)) expect(after[id], id).toEqual(p);
    const fresh = after[`volume:${added.id}`];
    expect(fresh).toBeDefined();
    expect(Object.values(before)).not.toContainEqual(fresh);
  });

  it('is usable by keyboard: arrows select, Enter opens the selected element', async () => {
    await page.getByRole('menuitem', { name: 'Topology' }).click();
    await byTestId('topology-graph').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => text('topology-status')).toMatch(/^unit dvd-u1, up/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => text('topology-status')).toMatch(/^host dvd-h1, up/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`#/hosts/${ids['dvd-h1']}`);
  });

  it('acknowledges an alert from the Events page, with open alerts filtered', async () => {
    const pid = (await nodeExec(lab, 'dvd-h1', ['cat', '/run/dvsan/daemon.pid'])).stdout.trim();
    await nodeExec(lab, 'dvd-h1', ['kill', '-KILL', pid]);
    await page.keyboard.press('Escape'); // the host's drawer, opened by the keyboard test
    await page.getByRole('menuitem', { name: 'Events' }).click();
    await expect
      .poll(async () => (await client.call('event/list', { openAlerts: true })).length, {
        timeout: 20_000,
      })
      .toBe(1);
    const [alert] = await client.call('event/list', { openAlerts: true });
    expect(alert).toMatchObject({ kind: 'node.down', nodeId: ids['dvd-h1'] });
    await byTestId('events-open-alerts').click();
    await expect.poll(() => page.locator('[data-testid^="events-row-"]').count()).toBe(1);
    expect(await text(`events-row-${alert!.id}`)).toContain('dvd-h1');
    await byTestId(`event-ack-${alert!.id}`).click();
    await expect.poll(() => page.locator('[data-testid^="events-row-"]').count()).toBe(0);
    expect(await client.call('event/list', { openAlerts: true })).toEqual([]);
    // Unfiltered, both alerts show who acknowledged them.
    await byTestId('events-open-alerts').click();
    expect(await text(`events-row-${alert!.id}`)).toContain('ack: local');
  });

  it('follows the dark theme', async () => {
    await page.getByRole('menuitem', { name: 'Topology' }).click();
    await expect
      .poll(() => byTestId('topology-graph').locator('canvas').count())
      .toBeGreaterThan(0);
    const light = await graphBrightness();
    await byTestId('theme-toggle').click();
    await expect.poll(async () => (await graphBrightness()).page).toBeLessThan(200);
    const dark = await graphBrightness();
    // Light text on the dark page, dark text on the light one.
    expect(light.page).toBeGreaterThan(600);
    expect(light.label).toBeLessThan(400);
    expect(dark.label).toBeGreaterThan(400);
    await page.waitForTimeout(400);
    await shot('topology-dark');
    await page.getByRole('menuitem', { name: 'Dashboard' }).click();
    await expect.poll(() => text('dash-units-down')).toBe('1 down');
    expect(await text('dash-hosts-down')).toBe('1 down');
    await page.waitForTimeout(800);
    await shot('dashboard-dark');
  });
});
