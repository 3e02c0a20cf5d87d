/** The report page's CSS: readable on screen, and paged cleanly when printed to PDF. */
export const styles = `
:root { color-scheme: light; }
body { font: 12px/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1f2328;
  margin: 24px auto; max-width: 1200px; padding: 0 16px; }
h1 { font-size: 28px; margin: 8px 0 16px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.brand { font-size: 14px; letter-spacing: 0.2em; text-transform: uppercase; color: #57606a; }
.meta { color: #57606a; margin: 2px 0; }
.title-page { border-bottom: 1px solid #d0d7de; padding-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
.summary { width: auto; margin-top: 16px; font-size: 14px; }
.summary th { text-align: left; font-weight: normal; color: #57606a; padding: 3px 24px 3px 0; }
.summary td { font-weight: 600; }
.table th, .table td { border-bottom: 1px solid #d8dee4; padding: 3px 6px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
.table th { background: #f3f5f7; font-weight: 600; }
.table td.bytes, .table td.number, .table td.percent, .table th.bytes, .table th.number,
.table th.percent { text-align: right; white-space: nowrap; }
.table td.time { white-space: nowrap; }
td.none { color: #57606a; font-style: italic; }
figure { margin: 16px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5px; line-height: 1.3; }
  /* Dense rows: fewer pages to lay out and to read. */
  .table th, .table td { padding: 2px 5px; }
  .title-page { break-after: page; border: none; padding-top: 30mm; }
  h1 { font-size: 34px; }
  figure { break-inside: avoid; }
  /* Two charts to a landscape page. */
  figure svg { max-height: 72mm; width: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;
