import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { ReportDocument } from '../types.js';

/**
 * RFC 4180: a header row, CRLF line ends, quotes where needed. Holds the report's first table;
 * cells that a spreadsheet would run as a formula get a leading apostrophe.
 */
export async function writeCsv(doc: ReportDocument, path: string): Promise<void> {
  const table = doc.tables[0];
  await pipeline(
    Readable.from(table.rows()),
    stringify({
      header: true,
      columns: table.columns.map((c) => ({ key: c.key, header: c.label })),
      record_delimiter: 'windows',
      escape_formulas: true,
      cast: { boolean: (v) => (v ? 'true' : 'false') },
    }),
    createWriteStream(path, { mode: 0o600 }),
  );
}
