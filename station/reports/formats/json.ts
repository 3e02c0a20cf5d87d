import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { reportSchemaVersion } from '../../../protocol/reports.js';
import type { ReportDocument } from '../types.js';

/** One JSON object, written as it is read: every table's rows stream into its array. */
async function* jsonChunks(doc: ReportDocument): AsyncGenerator<string> {
  const head = {
    schemaVersion: reportSchemaVersion,
    report: doc.kind,
    title: doc.title,
    generatedAt: doc.generatedAt,
    period: doc.periodic ? doc.period : null,
    summary: Object.fromEntries(doc.summary.map((s) => [s.key, s.value])),
    columns: Object.fromEntries(
      doc.tables.map((t) => [t.name, t.columns.map((c) => ({ key: c.key, label: c.label }))]),
    ),
  };
  const opening = JSON.stringify(head, null, 2);
  yield `${opening.slice(0, -2)},\n  "tables": {`;
  for (const [i, table] of doc.tables.entries()) {
    yield `${i ? ',' : ''}\n    ${JSON.stringify(table.name)}: [`;
    let first = true;
    for await (const row of table.rows()) {
      yield `${first ? '' : ','}\n      ${JSON.stringify(row)}`;
      first = false;
    }
    yield first ? ']' : '\n    ]';
  }
  yield '\n  }\n}\n';
}

export async function writeJson(doc: ReportDocument, path: string): Promise<void> {
  await pipeline(Readable.from(jsonChunks(doc)), createWriteStream(path, { mode: 0o600 }));
}
