// Reports from a lab-built station: a real unit deployed and announced, a volume on it
// exported to a host initiator with CHAP. Every report in every format is written through
// the real `dvsan serve`; CSV and JSON are read back against the database, the PDF is turned
// into text and pages, the HTML and the console's Reports page are photographed.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../protocol/index.js';
import { reportFormats, reportKinds } from '../../protocol/reports.js';
import { waitForTask } from '../../station/cli/client.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { Database } from '../../station/db/database.js';
import { labDown, labUp, type LabState } from '../../station/lab/index.js';
import { SecretBox } from '../../station/secrets.js';
import { within } from '../lab/within.js';
import { parseCsv } from '../unit/station/reports/csv-parse.js';
import { launchChromium } from './browser.js';
import { type RunningStation, startStation } from './station-server.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const root = join(import.meta.dirname, '../..');
const shots = join(root, 'artifacts/screenshots');
// Pictures for the docs land with the other screenshots; copying one into docs/images is a
// deliberate step, so a test run never changes the tree.
const docsImages = join(root, 'artifacts/screenshots/docs');
const prefix = 'dvr';
const hostIqn = 'iqn.2026-11.io.dvsan.lab:dvr-web-1';
const GiB = 2 ** 30;

let lab: LabState;
let station: RunningStation;
let client: StationClient;
let browser: Browser;
let page: Page;
let db: Database;
const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-e2e-reports-'));
const out = mkdtempSync(join(tmpdir(), 'dvsan-e2e-reports-out-'));
/** What must never be in a report: the CHAP secret in clear and as stored. */
const secrets: string[] = [];
const file = (kind: string, format: string) => join(out, `${kind}.${format}`);

describe.skipIf(!isRoot)('reports from a lab-built station', () => {
  beforeAll(async () => {
    await mkdir(docsImages, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 1, hosts: 0, prefix, subnet: '10.99.21' });
    station = await startStation(dataDir, 7431);
    client = new StationClient(remoteTransport(station.url));
    const unit = lab.nodes[0]!;
    const node = await client.call('node/add', {
      name: unit.name,
      role: 'unit',
      address: unit.address,
      auth: { kind: 'key', keyPath: lab.keyPath },
      acceptFingerprint: unit.hostKeyFingerprint,
    });
    const { taskId } = await client.call('node/deploy', { ids: [node.id] });
    expect((await waitForTask(client, taskId, () => undefined, 90_000)).error).toBeNull();
    await within(30_000, async () => (await client.call('pool/get', {})).units[0]?.health === 'up');
    const volume = await client.call('volume/create', { name: 'web-data', sizeBytes: GiB });
    await client.call('volume/export', { id: volume.id, initiatorIqn: hostIqn });
    db = await Database.open(join(dataDir, 'station.db'));
    const box = await SecretBox.fromKeyFile(join(dataDir, 'secret.key'));
    const chap = await db.all<{ secret_enc: string }>(
      'SELECT secret_enc FROM initiator_chap UNION ALL SELECT secret_enc FROM unit_chap',
    );
    expect(chap.length).toBeGreaterThan(0);
    for (const c of chap) secrets.push(c.secret_enc, box.open(c.secret_enc));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await station?.stop();
    await labDown({ prefix });
    await rm(out, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes every report in every format, and no CHAP secret appears in any of them', async () => {
    // Each one as a browser downloads it, through the station's web server.
    for (const kind of reportKinds)
      for (const format of reportFormats) {
        const response = await fetch(`${station.url}/api/report/${kind}?format=${format}`);
        expect(response.status, `${kind}.${format}`).toBe(200);
        expect(response.headers.get('content-disposition')).toMatch(
          new RegExp(`^attachment; filename="dvsan-${kind}-\\d{8}-\\d{6}\\.${format}"$`),
        );
        const bytes = Buffer.from(await response.arrayBuffer());
        await writeFile(file(kind, format), bytes);
        for (const s of secrets) expect(bytes.includes(s), `${kind}.${format}`).toBe(false);
      }
    expect((await readFile(file('capacity', 'pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
    // The download copies are gone once sent.
    await within(
      5_000,
      async () => (await readdir(join(dataDir, 'reports', 'downloads'))).length === 0,
    );
  });

  it('writes a report from the CLI on the station, and keeps an existing file', async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [join(root, 'bin/dvsan.mjs'), '--data-dir', dataDir, ...args]);
    const target = join(out, 'cli-capacity.pdf');
    const { stdout } = await cli('report', 'capacity', '--format', 'pdf', '-o', target);
    expect(stdout).toContain(`wrote ${target}`);
    expect((await readFile(target)).subarray(0, 5).toString()).toBe('%PDF-');
    await expect(cli('report', 'capacity', '-o', target)).rejects.toThrow(
      /already exists: pass --force/,
    );
  });

  it('CSV and JSON read back equal the database', async () => {
    const volumes = parseCsv(await readFile(file('volumes', 'csv'), 'utf8'));
    const stored = await db.all<{ name: string; size_bytes: number; iqn: string }>(
      'SELECT name, size_bytes, iqn FROM volumes ORDER BY name',
    );
    expect(volumes.slice(1).map((r) => [r[0], Number(r[1]), r[5], r[6]])).toEqual(
      stored.map((v) => [v.name, v.size_bytes, v.iqn, hostIqn]),
    );
    const allocation = JSON.parse(await readFile(file('allocation', 'json'), 'utf8'));
    expect(allocation.schemaVersion).toBe(1);
    expect(allocation.tables.allocation).toEqual([
      expect.objectContaining({
        host: hostIqn,
        volume: 'web-data',
        sizeBytes: GiB,
        unit: 'dvr-u1',
        unitAddress: lab.nodes[0]!.address,
      }),
    ]);
    const pool = await client.call('pool/get', {});
    const capacity = JSON.parse(await readFile(file('capacity', 'json'), 'utf8'));
    expect(capacity.summary.totalBytes).toBe(pool.totals.totalBytes);
    expect(capacity.tables.capacity[1]).toMatchObject({
      name: 'dvr-u1',
      totalBytes: pool.units[0]!.totalBytes,
    });
    const inventory = parseCsv(await readFile(file('inventory', 'csv'), 'utf8'));
    const node = (await client.call('node/list', {}))[0]!;
    const real = await client.call('node/inventory', { id: node.id });
    const row = Object.fromEntries(inventory[0]!.map((h, i) => [h, inventory[1]![i]]));
    expect(row).toMatchObject({
      Name: 'dvr-u1',
      Hostname: real.hostname,
      Memory: String(real.memoryBytes),
      Kernel: real.os.kernel,
    });
    const tasks = JSON.parse(await readFile(file('tasks', 'json'), 'utf8'));
    expect(tasks.tables.tasks.map((t: { kind: string }) => t.kind)).toContain('node.deploy');
    const events = parseCsv(await readFile(file('events', 'csv'), 'utf8'));
    expect(events.some((e) => e[4] === 'dvr-u1 is up')).toBe(true);
    const audit = JSON.parse(await readFile(file('audit', 'json'), 'utf8'));
    expect(audit.tables.audit.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['node/add', 'node/deploy', 'volume/create', 'volume/export']),
    );
  });

  it('prints the PDF with a title page, the totals of the database, and numbered pages', async () => {
    const pool = await client.call('pool/get', {});
    const { stdout: text } = await run('pdftotext', ['-layout', file('capacity', 'pdf'), '-']);
    expect(text).toContain('Capacity report');
    expect(text).toContain(`(${pool.totals.totalBytes.toLocaleString('en-US')} bytes)`);
    expect(text).toContain('dvr-u1');
    expect(text).toMatch(/page 1 of (\d+)/);
    const pngs = join(out, 'pages');
    await mkdir(pngs);
    await run('pdftoppm', ['-r', '80', '-png', file('capacity', 'pdf'), join(pngs, 'capacity')]);
    const pages = (await readdir(pngs)).sort();
    expect(pages.length).toBeGreaterThanOrEqual(2);
    await copyFile(join(pngs, pages[0]!), join(shots, 'report-capacity-pdf-1.png'));
    await copyFile(join(pngs, pages[1]!), join(shots, 'report-capacity-pdf-2.png'));
    await copyFile(join(pngs, pages[1]!), join(docsImages, 'report-capacity-pdf.png'));
  });

  it('opens the HTML report in Chromium, self-contained, with its charts', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file('capacity', 'html')).href);
    expect(await page.locator('figure svg').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('td[data-key="totalBytes"]').textContent()).toContain('bytes');
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.screenshot({ path: join(shots, 'report-capacity-html.png'), fullPage: true });
    await copyFile(
      join(shots, 'report-capacity-html.png'),
      join(docsImages, 'report-capacity.png'),
    );
  });

  it('downloads a report from the console and refuses a period in the future', async () => {
    await page.goto(`${station.url}/#/reports`);
    await page.getByTestId('report-format-csv').click();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.getByTestId('report-download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^dvsan-capacity-\d{8}-\d{6}\.csv$/);
    const saved = join(out, 'downloaded.csv');
    await download.saveAs(saved);
    const rows = parseCsv(await readFile(saved, 'utf8'));
    expect(rows[1]?.[0]).toBe('pool');
    await expect.poll(() => page.getByTestId('report-done').textContent()).toContain('.csv');
    await page.screenshot({ path: join(shots, 'console-reports.png'), fullPage: true });
    await copyFile(join(shots, 'console-reports.png'), join(docsImages, 'console-reports.png'));
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/report/events?format=csv&from=2099-01-01T00:00:00Z');
      return { status: r.status, body: await r.text() };
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('starts in the future');
  });

  it('runs a schedule as a task and keeps the last N files', async () => {
    const folder = join(out, 'scheduled');
    await mkdir(folder);
    await client.call('report/schedule/set', {
      name: 'nightly-volumes',
      kind: 'volumes',
      format: 'json',
      folder,
      keep: 1,
    });
    const { taskId } = await client.call('report/schedule/run', { name: 'nightly-volumes' });
    const task = await waitForTask(client, taskId, () => undefined, 30_000);
    expect(task.state).toBe('succeeded');
    expect(task.kind).toBe('report.scheduled');
    const [only] = await readdir(folder);
    const json = JSON.parse(await readFile(join(folder, only!), 'utf8'));
    expect(json.tables.volumes.map((v: { name: string }) => v.name)).toEqual(['web-data']);
  });
});
