// ECharts, only the parts the page uses (tree-shaken by esbuild), drawn as SVG.
import { BarChart, HeatmapChart, LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

const charts = new Map<HTMLElement, echarts.ECharts>();

export const AXIS = {
  axisLine: { lineStyle: { color: "#5b6874" } },
  axisLabel: { color: "#aab4be" },
  splitLine: { lineStyle: { color: "#26313b" } },
};

/**
 * Draws `option` into `el` and records on it what was drawn (`data-series`:
 * how many series, `data-points`: how many data points), so a test or a
 * person can check a chart without reading pixels.
 */
export function draw(el: HTMLElement, option: ChartOption): void {
  let chart = charts.get(el);
  if (!chart) {
    chart = echarts.init(el, undefined, { renderer: "svg" });
    charts.set(el, chart);
    new ResizeObserver(() => chart?.resize()).observe(el);
  }
  chart.setOption(
    { backgroundColor: "transparent", textStyle: { color: "#d8dee4" }, animation: false, ...option },
    true,
  );
  const series = (option["series"] ?? []) as { data?: unknown[] }[];
  el.dataset["series"] = String(series.length);
  el.dataset["points"] = String(series.reduce((n, s) => n + (s.data?.length ?? 0), 0));
}
