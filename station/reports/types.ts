import type { ReportKind } from '../../protocol/reports.js';
import type { Database } from '../db/database.js';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** How a value is shown in HTML/PDF; CSV and JSON always carry the raw value. */
export type CellType = 'text' | 'number' | 'bytes' | 'percent' | 'time' | 'bool';

export interface Column {
  key: string;
  label: string;
  type?: CellType;
}

export interface ReportTable {
  /** The key of the table in a JSON report. */
  name: string;
  title: string;
  columns: Column[];
  /** Streams the rows, a page at a time, so memory stays flat however many there are. */
  rows: () => AsyncIterable<Row>;
}

export interface SummaryItem {
  key: string;
  label: string;
  value: Cell;
  type?: CellType;
}

/** An ECharts option; drawn to inline SVG on the station, the same library the console uses. */
export interface ReportChart {
  title: string;
  option: Record<string, unknown>;
}

export interface Period {
  from: string;
  to: string;
}

export interface ReportContext {
  db: Database;
  period: Period;
}

/** What one report produces; the first table is the one a CSV file holds. */
export interface ReportContent {
  summary: SummaryItem[];
  charts: ReportChart[];
  tables: [ReportTable, ...ReportTable[]];
}

export interface ReportDefinition {
  kind: ReportKind;
  title: string;
  periodic: boolean;
  build(ctx: ReportContext): Promise<ReportContent>;
}

/** A report ready to be written: its content plus what every format prints on top. */
export interface ReportDocument extends ReportContent {
  kind: ReportKind;
  title: string;
  periodic: boolean;
  period: Period;
  generatedAt: string;
}
