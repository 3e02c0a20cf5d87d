import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type ReportFile,
  reportFormats,
  type ReportFormat,
  type ReportInfo,
  type ReportKind,
  reportKinds,
} from '../../protocol/reports.js';
import type { Database } from '../db/database.js';
import { contentTypes, type PdfPrinter, writeReport } from './formats/index.js';
import { reports } from './kinds/index.js';
import { resolvePeriod } from './period.js';
import { fileStamp } from './stamp.js';
import type { ReportDocument } from './types.js';
import { checkDestination, writeAtomically } from './write-file.js';

export interface GenerateRequest {
  kind: ReportKind;
  format: ReportFormat;
  from?: string;
  to?: string;
  path?: string;
  force: boolean;
}

/** Download copies older than this are swept away (a browser fetches its copy at once). */
const downloadLifeMs = 3600_000;

/** Writes reports: picks the report, resolves the period, streams it to a file atomically. */
export class ReportService {
  constructor(
    private readonly db: Database,
    /** Where copies for browser downloads go until they are fetched. */
    private readonly downloadsDir: string,
    private readonly print: PdfPrinter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): { reports: ReportInfo[]; formats: ReportFormat[] } {
    return {
      reports: reportKinds.map((k) => ({
        kind: k,
        title: reports[k].title,
        periodic: reports[k].periodic,
      })),
      formats: [...reportFormats],
    };
  }

  async generate(req: GenerateRequest): Promise<ReportFile> {
    const def = reports[req.kind];
    const at = this.now();
    const period = resolvePeriod(req.from, req.to, at);
    const dest = req.path ?? (await this.downloadPath(req.kind, req.format, at));
    // Refuse a bad destination before reading anything.
    await checkDestination(dest, req.force);
    const content = await def.build({ db: this.db, period });
    let rows = 0;
    const [first, ...rest] = content.tables;
    const counted = {
      ...first,
      rows: async function* () {
        for await (const row of first.rows()) {
          rows += 1;
          yield row;
        }
      },
    };
    const doc: ReportDocument = {
      ...content,
      tables: [counted, ...rest],
      kind: def.kind,
      title: def.title,
      periodic: def.periodic,
      period,
      generatedAt: at.toISOString(),
    };
    await writeAtomically(dest, req.force, (temp) =>
      writeReport(doc, req.format, temp, this.print),
    );
    return {
      path: dest,
      fileName: req.path ? basename(dest) : `dvsan-${req.kind}-${fileStamp(at)}.${req.format}`,
      contentType: contentTypes[req.format],
      bytes: (await stat(dest)).size,
      rows,
      from: period.from,
      to: period.to,
    };
  }

  private async downloadPath(kind: ReportKind, format: ReportFormat, at: Date): Promise<string> {
    await mkdir(this.downloadsDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.downloadsDir)) {
      const file = join(this.downloadsDir, name);
      const info = await stat(file).catch(() => null);
      if (info && at.getTime() - info.mtimeMs > downloadLifeMs) await rm(file, { force: true });
    }
    const unique = randomBytes(6).toString('hex');
    return join(this.downloadsDir, `${kind}-${fileStamp(at)}-${unique}.${format}`);
  }
}
