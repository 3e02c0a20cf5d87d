import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportApi, reportFormats, reportKinds } from '../../../../protocol/reports.js';
import type { Database } from '../../../../station/db/database.js';
import type { PdfPrinter } from '../../../../station/reports/formats/index.js';
import { reportHandlers, type Reports } from '../../../../station/reports/index.js';
import { ReportService } from '../../../../station/reports/service.js';
import { parseCsv } from './csv-parse.js';
import { now, planted, reportDatabase } from './fixture.js';

let db: Database;
let dir: string;
const printed: string[] = [];
// The PDF seam: records the HTML it was handed and writes it out, as a real printer would.
const printer: PdfPrinter = async (html, pdf) => {
  printed.push(await readFile(html, 'utf8'));
  await copyFile(html, pdf);
};
let service: ReportService;

beforeAll(async () => {
  ({ db, dir } = await reportDatabase());
  service = new ReportService(db, join(dir, 'downloads'), printer, () => now);
});
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

const gib = 2 ** 30;
const out = (name: string) => join(dir, name);

async function csvOf(kind: (typeof reportKinds)[number]) {
  const file = await service.generate({
    kind,
    format: 'csv',
    path: out(`${kind}.csv`),
    force: true,
  });
  const [header, ...rows] = parseCsv(await readFile(file.path, 'utf8'));
  expect(rows.length).toBe(file.rows);
  return { header: header as string[], rows, file };
}

async function jsonOf(kind: (typeof reportKinds)[number]) {
  const file = await service.generate({
    kind,
    format: 'json',
    path: out(`${kind}.json`),
    force: true,
  });
  return JSON.parse(await readFile(file.path, 'utf8')) as {
    schemaVersion: number;
    report: string;
    period: { from: string; to: string } | null;
    summary: Record<string, unknown>;
    tables: Record<string, Record<string, unknown>[]>;
  };
}

describe('reports read back equal the database', () => {
  it('volumes: every volume once, sizes to the byte, in name order', async () => {
    const { header, rows } = await csvOf('volumes');
    expect(header.slice(0, 3)).toEqual(['Volume', 'Size', 'Unit']);
    const expected = await db.all<{ name: string; size_bytes: number; unit: string }>(
      'SELECT v.name, v.size_bytes, n.name AS unit FROM volumes v JOIN nodes n ON n.id = v.unit_id ORDER BY v.name',
    );
    expect(rows.map((r) => [r[0], Number(r[1]), r[2]])).toEqual(
      expected.map((v) => [v.name, v.size_bytes, v.unit]),
    );
    const json = await jsonOf('volumes');
    expect(json.schemaVersion).toBe(1);
    expect(json.summary).toMatchObject({ volumes: 5, totalBytes: 15 * gib });
    expect(json.tables.volumes?.[0]).toMatchObject({
      name: 'vol-00000',
      sizeBytes: gib,
      shared: false,
      exportedTo: 'iqn.2026-11.com.example:host-1 iqn.2026-11.com.example:other',
    });
  });

  it('capacity: the pool and each unit as the Pool page computes them, and the stored trend', async () => {
    const { rows } = await csvOf('capacity');
    expect(rows.map((r) => [r[0], r[1], Number(r[4]), Number(r[6])])).toEqual([
      ['pool', 'pool', 150 * gib, 105 * gib],
      ['unit', 'unit-a', 100 * gib, 60 * gib],
      ['unit', 'unit-b', 50 * gib, 45 * gib],
    ]);
    const json = await jsonOf('capacity');
    // Only the up unit's free space takes new volumes.
    expect(json.summary).toMatchObject({ totalBytes: 150 * gib, allocatableBytes: 60 * gib });
    expect(json.tables.samples).toHaveLength(48);
    expect(json.period?.to).toBe(now.toISOString());
  });

  it('allocation: per host, the volumes exported to it and the units they live on', async () => {
    const { rows } = await csvOf('allocation');
    expect(rows.map((r) => [r[0], r[3], r[5], r[8]])).toEqual([
      ['host-1', 'vol-00000', 'unit-a', ''],
      ['host-1', 'vol-00001', 'unit-b', ''],
      ['iqn.2026-11.com.example:other', 'vol-00000', 'unit-a', ''],
    ]);
  });

  it('inventory: every node with what its agent reported', async () => {
    const json = await jsonOf('inventory');
    expect(json.tables.nodes?.map((n) => [n.name, n.role, n.memoryBytes])).toEqual([
      ['host-1', 'host', 8 * gib],
      ['unit-a', 'unit', 8 * gib],
      ['unit-b', 'unit', null],
    ]);
    expect(json.tables.nodes?.[1]).toMatchObject({
      os: 'Debian GNU/Linux 13 (x64)',
      cpuCores: 4,
      nics: 'eth0 10.99.1.11/24',
      agentVersion: '0.1.0',
    });
    expect(json.summary).toMatchObject({ units: 2, hosts: 1, up: 1, down: 1 });
  });

  it('tasks, events and audit hold what falls in the period, oldest first', async () => {
    const tasks = await csvOf('tasks');
    expect(tasks.rows.map((r) => [r[7], r[3], r[6]])).toEqual([
      ['t1', 'succeeded', ''],
      ['t2', 'failed', 'it broke'],
    ]);
    const events = await csvOf('events');
    expect(events.rows.map((r) => r[4])).toEqual(['unit-a is up', 'unit-b is down']);
    const audit = await jsonOf('audit');
    expect(audit.tables.audit?.map((a) => [a.action, a.source, a.result])).toEqual([
      ['node/add', 'http', 'ok'],
      ['volume/export', 'local', 'failed'],
    ]);
    const older = await service.generate({
      kind: 'events',
      format: 'csv',
      from: new Date(now.getTime() - 400 * 3600_000).toISOString(),
      path: out('events-older.csv'),
      force: true,
    });
    expect(older.rows).toBe(3);
  });
});

describe('every report in every format', () => {
  it('is written, and no secret the station holds appears in any of them', async () => {
    for (const kind of reportKinds)
      for (const format of reportFormats) {
        const file = await service.generate({
          kind,
          format,
          path: out(`all-${kind}.${format}`),
          force: true,
        });
        const bytes = await readFile(file.path);
        expect(bytes.length, `${kind}.${format}`).toBe(file.bytes);
        expect(bytes.includes(planted), `${kind}.${format} holds the secret`).toBe(false);
      }
  });

  it('prints the PDF from the very HTML page the HTML format writes', async () => {
    printed.length = 0;
    const html = await service.generate({
      kind: 'capacity',
      format: 'html',
      path: out('c.html'),
      force: true,
    });
    await service.generate({ kind: 'capacity', format: 'pdf', path: out('c.pdf'), force: true });
    // zrender numbers its ids and classes per process; everything else must be the same page.
    const same = (s: string) => s.replace(/zr\d+-[a-z-]*\d+/g, 'zr');
    expect(printed.map(same)).toEqual([same(await readFile(html.path, 'utf8'))]);
    expect(printed[0]).toContain('<svg');
    expect(printed[0]).not.toMatch(/<script|<link|src="http/);
  });

  it('writes RFC 4180: CRLF records, quotes doubled, formulas defused', async () => {
    await db.run(
      "INSERT INTO events (at, severity, kind, node_id, message) VALUES (?, 'info', 'test', NULL, ?)",
      [
        new Date(now.getTime() - 3600_000).toISOString(),
        '=HYPERLINK("x"), with "quotes"\nand a newline',
      ],
    );
    const text = await readFile((await csvOf('events')).file.path, 'utf8');
    expect(text.startsWith('At,Severity,Kind,Node,Message\r\n')).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""x""), with ""quotes""\nand a newline"`);
  });
});

describe('the HTML page', () => {
  it('escapes what nodes and users wrote, so a message cannot become markup', async () => {
    await db.run(
      "INSERT INTO events (at, severity, kind, node_id, message) VALUES (?, 'warning', 'test', NULL, ?)",
      [new Date(now.getTime() - 7200_000).toISOString(), '<img src=x onerror=alert(1)> & "co"'],
    );
    const file = await service.generate({
      kind: 'events',
      format: 'html',
      path: out('x.html'),
      force: true,
    });
    const html = await readFile(file.path, 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;');
  });
});

describe('bad input changes nothing', () => {
  it('names the reports and formats there are', () => {
    const params = reportApi['report/generate'].params;
    const kind = params.safeParse({ kind: 'nope', format: 'csv' });
    expect(kind.error?.issues[0]?.message).toMatch(
      /unknown report: pick one of inventory, capacity/,
    );
    const format = params.safeParse({ kind: 'tasks', format: 'xlsx' });
    expect(format.error?.issues[0]?.message).toMatch(/unknown format: pick one of csv, json/);
  });

  it('refuses an empty period and one in the future', async () => {
    const ask = (from: string, to?: string) =>
      service.generate({
        kind: 'events',
        format: 'csv',
        from,
        to,
        path: out('p.csv'),
        force: false,
      });
    await expect(ask('2026-11-21T00:00:00Z')).rejects.toThrow(/starts in the future/);
    await expect(ask('2026-11-19T00:00:00Z', '2026-11-19T00:00:00Z')).rejects.toThrow(/is empty/);
    await expect(readdir(dir)).resolves.not.toContain('p.csv');
  });

  it('keeps an existing file without force, replaces it with force', async () => {
    await writeFile(out('keep.csv'), 'mine');
    const ask = (force: boolean) =>
      service.generate({ kind: 'volumes', format: 'csv', path: out('keep.csv'), force });
    await expect(ask(false)).rejects.toThrow(/already exists: pass --force/);
    expect(await readFile(out('keep.csv'), 'utf8')).toBe('mine');
    await ask(true);
    expect(await readFile(out('keep.csv'), 'utf8')).toMatch(/^Volume,Size/);
  });

  it('leaves no partial file when writing fails', async () => {
    const failing = new ReportService(db, join(dir, 'downloads'), async (_html, pdf) => {
      await writeFile(pdf, '%PDF-half');
      throw new Error('printer died');
    });
    await expect(
      failing.generate({ kind: 'volumes', format: 'pdf', path: out('half.pdf'), force: false }),
    ).rejects.toThrow(/printer died/);
    const left = await readdir(dir);
    expect(left).not.toContain('half.pdf');
    expect(left.filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('writes to a chosen path only for callers on the station itself', async () => {
    const handlers = reportHandlers({ service } as Reports);
    const params = {
      kind: 'volumes',
      format: 'csv',
      path: out('remote.csv'),
      force: false,
    } as const;
    await expect(
      handlers['report/generate'](params, { user: 'alice', source: 'http 10.0.0.9' }),
    ).rejects.toThrow(/download the report/);
    await expect(readdir(dir)).resolves.not.toContain('remote.csv');
    const local = await handlers['report/generate'](params, { user: 'local', source: 'local' });
    expect(local.path).toBe(out('remote.csv'));
  });

  it('refuses a folder that does not exist and a relative path', async () => {
    const ask = (path: string) =>
      service.generate({ kind: 'volumes', format: 'csv', path, force: false });
    await expect(ask(join(dir, 'no-such-dir', 'x.csv'))).rejects.toThrow(/does not exist/);
    await expect(ask('relative.csv')).rejects.toThrow(/must be absolute/);
  });
});
