import * as echarts from 'echarts';
import type { ReportChart } from '../types.js';

/**
 * Draws a chart to an SVG string with ECharts' server-side renderer: the console's charting
 * library, without a browser, so HTML and PDF reports carry the same pictures inline.
 */
export function chartSvg(chart: ReportChart, width = 960, height = 320): string {
  const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    instance.setOption({
      animation: false,
      textStyle: { fontFamily: 'sans-serif' },
      grid: { left: 64, right: 32, top: 40, bottom: 40 },
      tooltip: { show: false },
      ...chart.option,
    });
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}
