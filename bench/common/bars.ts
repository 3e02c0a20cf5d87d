// A plain SVG bar chart for benchmark results: panels side by side, each with its own scale
// (so 4K IOPS-sized numbers and sequential MB/s can sit next to each other), bars labelled
// with their values, and dashed reference lines for goals or limits.

export interface Bar {
  label: string;
  value: number;
  colour: string;
  /** A second line under the value, e.g. a ratio. */
  note?: string;
  /** Lowest and highest of the runs behind the value, drawn as a whisker. */
  range?: [number, number];
}

export interface BarPanel {
  title: string;
  bars: Bar[];
  lines?: { value: number; label: string }[];
}

export interface BarChart {
  title: string;
  subtitle: string;
  /** The y axis unit, e.g. "MB/s". */
  unit: string;
  panels: BarPanel[];
  footer?: string;
  /** Decimals of the value labels. */
  digits?: number;
  barWidth?: number;
}

export const esc = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round top for the axis: 1, 2 or 5 times a power of ten, at least `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Words packed greedily into lines of at most `chars` characters. */
export function wrap(text: string, chars: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= chars)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function renderBars(c: BarChart): string {
  const barWidth = c.barWidth ?? 46;
  const gap = 14;
  const chars = Math.max(6, Math.floor((barWidth + gap) / 6.5));
  const panelWidths = c.panels.map((p) => Math.max(170, p.bars.length * (barWidth + gap) + 60));
  const left = 56;
  const top = 64;
  const plotHeight = 250;
  const labelLines = Math.max(
    1,
    ...c.panels.flatMap((p) => p.bars.map((b) => wrap(b.label, chars).length + (b.note ? 1 : 0))),
  );
  const bottom = 30 + labelLines * 13 + (c.footer ? 16 : 0);
  const width = Math.max(
    left + panelWidths.reduce((a, b) => a + b, 0) + 20,
    Math.ceil(c.title.length * 8.6) + 24,
    Math.ceil(c.subtitle.length * 6.4) + 24,
  );
  const height = top + plotHeight + bottom;
  const digits = c.digits ?? 1;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(c.subtitle)}</text>`,
  ];
  let x0 = left;
  c.panels.forEach((p, pi) => {
    const pw = panelWidths[pi]!;
    const values = [
      ...p.bars.flatMap((b) => [b.value, ...(b.range ?? [])]),
      ...(p.lines ?? []).map((l) => l.value),
    ];
    const max = niceMax(Math.max(...values.filter((v) => Number.isFinite(v)), 0) * 1.12);
    const y = (v: number) => top + plotHeight - (Math.max(0, v) / max) * plotHeight;
    out.push(
      `<text x="${x0 + pw / 2 - 20}" y="${top - 8}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`,
    );
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      out.push(
        `<line x1="${x0}" y1="${y(v).toFixed(1)}" x2="${x0 + pw - 40}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`,
        `<text x="${x0 - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555" font-size="11">${+v.toPrecision(3)}</text>`,
      );
    }
    out.push(
      `<line x1="${x0}" y1="${top}" x2="${x0}" y2="${top + plotHeight}" stroke="#999"/>`,
      `<line x1="${x0}" y1="${top + plotHeight}" x2="${x0 + pw - 40}" y2="${top + plotHeight}" stroke="#999"/>`,
    );
    p.bars.forEach((b, bi) => {
      const bx = x0 + 12 + bi * (barWidth + gap);
      const by = y(b.value);
      const label = Number.isFinite(b.value) ? b.value.toFixed(digits) : '—';
      out.push(
        `<rect x="${bx}" y="${by.toFixed(1)}" width="${barWidth}" height="${(top + plotHeight - by).toFixed(1)}" fill="${b.colour}"/>`,
        `<text x="${bx + barWidth / 2}" y="${(by - 4).toFixed(1)}" text-anchor="middle" font-size="11">${esc(label)}</text>`,
      );
      if (b.range) {
        const [lo, hi] = b.range.map(y);
        const wx = bx + barWidth - 6;
        out.push(
          `<line x1="${wx}" y1="${lo!.toFixed(1)}" x2="${wx}" y2="${hi!.toFixed(1)}" stroke="#333"/>`,
          `<line x1="${wx - 3}" y1="${lo!.toFixed(1)}" x2="${wx + 3}" y2="${lo!.toFixed(1)}" stroke="#333"/>`,
          `<line x1="${wx - 3}" y1="${hi!.toFixed(1)}" x2="${wx + 3}" y2="${hi!.toFixed(1)}" stroke="#333"/>`,
        );
      }
      const words = wrap(b.label, chars);
      words.forEach((w, wi) =>
        out.push(
          `<text x="${bx + barWidth / 2}" y="${top + plotHeight + 14 + wi * 13}" text-anchor="middle" font-size="11">${esc(w)}</text>`,
        ),
      );
      if (b.note)
        out.push(
          `<text x="${bx + barWidth / 2}" y="${top + plotHeight + 16 + words.length * 13}" text-anchor="middle" font-size="10" fill="#555">${esc(b.note)}</text>`,
        );
    });
    for (const l of p.lines ?? []) {
      const ly = y(l.value).toFixed(1);
      out.push(
        `<line x1="${x0}" y1="${ly}" x2="${x0 + pw - 40}" y2="${ly}" stroke="#b03030" stroke-dasharray="5 4"/>`,
        `<text x="${x0 + pw - 42}" y="${(Number(ly) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#b03030">${esc(l.label)}</text>`,
      );
    }
    x0 += pw;
  });
  out.push(
    `<text x="14" y="${top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + plotHeight / 2})">${esc(c.unit)}</text>`,
  );
  if (c.footer)
    out.push(`<text x="12" y="${height - 8}" font-size="11" fill="#555">${esc(c.footer)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
