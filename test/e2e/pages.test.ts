// Every console page in Debian's Chromium against the real `dvsan serve`, with a lab's data: two
// units, a host with a volume attached and mounted, a task history. Each page must render that
// data without a load error or a script error, in light and dark; a screenshot of each goes to
// artifacts/screenshots/pages/ (docs/console.md shows them).
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../protocol/index.js';
import { waitForTask } from '../../station/cli/client.js';
import { deployLab } from '../shared/deploy-lab.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { labDown, labUp, type LabState } from '../../station/lab/index.js';
import { launchChromium } from './browser.js';
import { type RunningStation, startStation } from './station-server.js';

const isRoot = process.getuid?.() === 0;
const prefix = 'dvg';
const bundlePath = join(import.meta.dirname, '../../dist/agent/dvsan-agent.cjs');
const shots = join(import.meta.dirname, '../../artifacts/screenshots/pages');
const MiB = 1024 ** 2;
let lab: LabState;
let station: RunningStation;
let client: StationClient;
let browser: Browser;
let page: Page;

/** Every page (by its URL key) and what it must show of the lab's data once loaded. */
const expected: Record<string, string[]> = {
  dashboard: ['Units', 'Hosts'],
  nodes: [`${prefix}-u1`, `${prefix}-u2`, `${prefix}-h1`],
  pool: [`${prefix}-u1`, `${prefix}-u2`],
  volumes: ['web-data', 'scratch'],
  hosts: [`${prefix}-h1`],
  tasks: ['Attach volume'],
  events: [`${prefix}-u1`],
  topology: [],
  reports: ['Capacity'],
  users: [],
  settings: ['Heartbeat'],
};

describe.skipIf(!isRoot)('console: every page with a lab behind it', () => {
  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error('build the agent: node build/build.mjs agent');
    mkdirSync(shots, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 2, hosts: 1, prefix, subnet: '10.99.29' });
    station = await startStation(mkdtempSync(join(tmpdir(), 'dvsan-e2e-pages-')), 7433);
    client = new StationClient(remoteTransport(station.url));
    const ids = await deployLab(client, lab);
    const web = await client.call('volume/create', { name: 'web-data', sizeBytes: 64 * MiB });
    await client.call('volume/create', {
      name: 'scratch',
      sizeBytes: 32 * MiB,
      placement: 'spread',
    });
    const attach = await client.call('host/attach', {
      volumeId: web.id,
      hostId: ids[`${prefix}-h1`]!,
      filesystem: 'ext4',
      mountPoint: '/mnt/web',
    });
    expect((await waitForTask(client, attach.taskId, () => undefined, 90_000)).state).toBe(
      'succeeded',
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await station?.stop();
    await labDown({ prefix });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`renders every page with the lab's data (${theme})`, async () => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${station.url}/#/dashboard`);
      // A string runs in the page: this file is type-checked without the DOM library.
      await page.evaluate(`localStorage.setItem('dvsan.theme', '${theme}')`);
      // The menu lists exactly these pages: a new page must be added here too.
      await expect
        .poll(() => page.locator('.n-menu-item').count())
        .toBe(Object.keys(expected).length);
      for (const [key, texts] of Object.entries(expected)) {
        await page.goto(`${station.url}/#/${key}`);
        await page.reload();
        for (const text of texts)
          await expect
            .poll(() => page.textContent('main, body'), { timeout: 15_000 })
            .toContain(text);
        // Tables finish loading before the picture (a reload refetches every store).
        await expect
          .poll(() => page.locator('.n-data-table-loading-wrapper').count(), { timeout: 15_000 })
          .toBe(0);
        expect(await page.getByTestId('load-error').count()).toBe(0);
        if (key === 'topology') {
          // The graph library loads with the page and draws on canvases, then fits the view.
          await expect
            .poll(() => page.getByTestId('topology-graph').locator('canvas').count())
            .toBeGreaterThan(0);
          await page.waitForTimeout(1000);
        }
        await page.screenshot({ path: join(shots, `${key}-${theme}.png`) });
      }
      expect(errors).toEqual([]);
    });
  }
});
