import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { DvsanError } from '../../../protocol/index.js';
import type { ReportDocument } from '../types.js';
import { escapeHtml as esc, showCell } from './cells.js';
import { writeHtml } from './html.js';

export interface PrintHeader {
  title: string;
  generatedAt: string;
}

/**
 * Prints an HTML file to a PDF file. Chromium through Playwright by default; the desktop
 * shell can pass Electron's webContents.printToPDF instead, with no other change.
 */
export type PdfPrinter = (htmlPath: string, pdfPath: string, header: PrintHeader) => Promise<void>;

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];

export function chromiumPrinter(
  executablePath = process.env.DVSAN_CHROMIUM ?? '/usr/bin/chromium',
): PdfPrinter {
  return async (htmlPath, pdfPath, header) => {
    if (!existsSync(executablePath))
      throw new DvsanError(
        'not-found',
        `PDF reports need Chromium, and there is none at ${executablePath}: install the Debian package chromium (apt-get install chromium), or set DVSAN_CHROMIUM to a Chromium binary`,
      );
    const browser = await chromium.launch({ executablePath, args: chromiumArgs });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: 120_000 });
      const small = 'font-size:8px;width:100%;margin:0 10mm;display:flex;color:#57606a;';
      await page.pdf({
        path: pdfPath,
        format: 'A4',
        landscape: true,
        printBackground: true,
        displayHeaderFooter: true,
        headerTemplate: `<div style="${small}justify-content:space-between"><span>${esc(header.title)}</span><span>generated ${esc(showCell(header.generatedAt, 'time'))}</span></div>`,
        footerTemplate: `<div style="${small}justify-content:flex-end"><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
        margin: { top: '16mm', bottom: '14mm', left: '10mm', right: '10mm' },
      });
    } finally {
      await browser.close();
    }
  };
}

/** The PDF is the HTML report printed: one template, one set of charts. */
export async function writePdf(
  doc: ReportDocument,
  path: string,
  print: PdfPrinter,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dvsan-report-'));
  try {
    const html = join(dir, 'report.html');
    await writeHtml(doc, html);
    await print(html, path, { title: `dvsan ${doc.title} report`, generatedAt: doc.generatedAt });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
