import type { ReportFormat } from '../../../protocol/reports.js';
import type { ReportDocument } from '../types.js';
import { writeCsv } from './csv.js';
import { writeHtml } from './html.js';
import { writeJson } from './json.js';
import { type PdfPrinter, writePdf } from './pdf.js';

export { chromiumPrinter, type PdfPrinter } from './pdf.js';

export const contentTypes: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

/** Writes `doc` in `format` to `path` (a temporary file the caller moves into place). */
export function writeReport(
  doc: ReportDocument,
  format: ReportFormat,
  path: string,
  print: PdfPrinter,
): Promise<void> {
  switch (format) {
    case 'csv':
      return writeCsv(doc, path);
    case 'json':
      return writeJson(doc, path);
    case 'html':
      return writeHtml(doc, path);
    case 'pdf':
      return writePdf(doc, path, print);
  }
}
