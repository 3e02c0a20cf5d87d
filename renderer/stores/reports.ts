import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { errorShape, type ErrorShape } from '../../protocol/errors.js';
import type { Params } from '../../protocol/station-api.js';
import type {
  ReportFormat,
  ReportInfo,
  ReportKind,
  ReportSchedule,
} from '../../protocol/reports.js';
import { station } from '../api/index.js';
import { tracked } from './live.js';

export interface DownloadRequest {
  kind: ReportKind;
  format: ReportFormat;
  /** The period as epoch milliseconds (naive-ui's date range value), or null for the default. */
  range: [number, number] | null;
}

/** The station's download address for a report (GET, same site). */
export function downloadUrl(r: DownloadRequest): string {
  const query = new URLSearchParams({ format: r.format });
  if (r.range) {
    query.set('from', new Date(r.range[0]).toISOString());
    query.set('to', new Date(r.range[1]).toISOString());
  }
  return `/api/report/${encodeURIComponent(r.kind)}?${query.toString()}`;
}

/** The file name the station chose, from its Content-Disposition header. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = header ? /filename="([^"]+)"/.exec(header) : null;
  return match?.[1] ?? fallback;
}

export interface Downloaded {
  fileName: string;
  bytes: number;
}

/** The report catalogue and the schedules; downloads go straight to the station's web server. */
export const useReportsStore = defineStore('reports', () => {
  const reports = shallowRef<ReportInfo[]>([]);
  const formats = shallowRef<ReportFormat[]>([]);
  const schedules = shallowRef<ReportSchedule[]>([]);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  async function load(): Promise<void> {
    await tracked(loading, loadError, async () => {
      const [catalog, list] = await Promise.all([
        station.call('report/list', {}),
        station.call('report/schedule/list', {}),
      ]);
      reports.value = catalog.reports;
      formats.value = catalog.formats;
      schedules.value = list;
    });
  }

  /**
   * Fetches the report and hands it to the browser as a download; a refusal (bad period,
   * no Chromium for PDF) comes back as the station's error instead of a broken file.
   */
  async function download(r: DownloadRequest): Promise<Downloaded> {
    // The desktop window has no web server to fetch from: the station keeps the file and
    // says where (a save dialog needs the preload to offer one).
    if (window.dvsanStation) {
      const file = await station.call('report/generate', {
        kind: r.kind,
        format: r.format,
        ...(r.range
          ? { from: new Date(r.range[0]).toISOString(), to: new Date(r.range[1]).toISOString() }
          : {}),
      });
      return { fileName: file.path, bytes: file.bytes };
    }
    const response = await fetch(downloadUrl(r));
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
      const parsed = errorShape.safeParse(body?.error);
      throw parsed.success
        ? parsed.data
        : ({
            name: 'DvsanError',
            code: 'internal',
            message: `HTTP ${response.status}`,
          } as ErrorShape);
    }
    const blob = await response.blob();
    const fileName = attachmentName(
      response.headers.get('content-disposition'),
      `dvsan-${r.kind}.${r.format}`,
    );
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    return { fileName, bytes: blob.size };
  }

  async function saveSchedule(s: Params<'report/schedule/set'>): Promise<void> {
    await station.call('report/schedule/set', s);
    schedules.value = await station.call('report/schedule/list', {});
  }

  async function removeSchedule(name: string): Promise<void> {
    await station.call('report/schedule/remove', { name });
    schedules.value = schedules.value.filter((s) => s.name !== name);
  }

  /** Starts a run now; its task shows on the tasks list like any other. */
  async function runSchedule(name: string): Promise<string> {
    const { taskId } = await station.call('report/schedule/run', { name });
    schedules.value = await station.call('report/schedule/list', {});
    return taskId;
  }

  return {
    reports,
    formats,
    schedules,
    loading,
    loadError,
    load,
    download,
    saveSchedule,
    removeSchedule,
    runSchedule,
  };
});
