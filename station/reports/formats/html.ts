import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReportDocument, ReportTable, SummaryItem } from '../types.js';
import { escapeHtml as esc, showCell } from './cells.js';
import { chartSvg } from './charts.js';
import { styles } from './html-style.js';

function summaryValue(s: SummaryItem): string {
  const shown = showCell(s.value, s.type);
  // Exact bytes next to the rounded figure, so a printed total can be checked to the byte.
  return s.type === 'bytes' && typeof s.value === 'number'
    ? `${shown} (${s.value.toLocaleString('en-US')} bytes)`
    : shown;
}

const shownTime = (iso: string) => showCell(iso, 'time');

async function* tableChunks(table: ReportTable): AsyncGenerator<string> {
  yield `<section class="table"><h2>${esc(table.title)}</h2><table data-table="${esc(table.name)}"><thead><tr>`;
  for (const c of table.columns) yield `<th class="${c.type ?? 'text'}">${esc(c.label)}</th>`;
  yield '</tr></thead><tbody>\n';
  let rows = 0;
  let chunk = '';
  for await (const row of table.rows()) {
    chunk += '<tr>';
    for (const c of table.columns)
      chunk += `<td class="${c.type ?? 'text'}">${esc(showCell(row[c.key] ?? null, c.type))}</td>`;
    chunk += '</tr>\n';
    rows += 1;
    // A few hundred rows per write: fewer, larger writes without holding the whole table.
    if (rows % 200 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (!rows) chunk += `<tr><td colspan="${table.columns.length}" class="none">None.</td></tr>`;
  yield `${chunk}</tbody></table></section>\n`;
}

/**
 * The one HTML page of a report: self-contained (inline CSS, charts as inline SVG, no
 * scripts), printable, and the very page the PDF is printed from.
 */
export async function* htmlChunks(doc: ReportDocument): AsyncGenerator<string> {
  const title = `dvsan ${doc.title} report`;
  yield `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dvsan">
<title>${esc(title)}</title><style>${styles}</style></head><body>
<section class="title-page">
<p class="brand">dvsan</p>
<h1>${esc(doc.title)} report</h1>
<p class="meta">Generated ${esc(shownTime(doc.generatedAt))}</p>
${doc.periodic ? `<p class="meta">Period ${esc(shownTime(doc.period.from))} to ${esc(shownTime(doc.period.to))}</p>` : ''}
<table class="summary"><tbody>
${doc.summary.map((s) => `<tr><th>${esc(s.label)}</th><td data-key="${esc(s.key)}">${esc(summaryValue(s))}</td></tr>`).join('\n')}
</tbody></table>
</section>\n`;
  if (doc.charts.length) {
    yield '<section class="charts">';
    for (const chart of doc.charts)
      yield `<figure><figcaption>${esc(chart.title)}</figcaption>${chartSvg(chart)}</figure>\n`;
    yield '</section>\n';
  }
  for (const table of doc.tables) yield* tableChunks(table);
  yield '</body></html>\n';
}

export async function writeHtml(doc: ReportDocument, path: string): Promise<void> {
  await pipeline(Readable.from(htmlChunks(doc)), createWriteStream(path, { mode: 0o600 }));
}
