/**
 * bench/chart.svg, written as SVG text: (1) gradient time / primal time
 * per workload and size, log scale, for tsad and the methods it is
 * measured against; (2) the chain's time against k, log-log, with the
 * time(2k) / time(k) ratios written at the points.
 */
import { formatRatio } from "../harness/format.js";
import type { Row, SuiteReport } from "../harness/types.js";
import {
  baselines,
  doublingRatios,
  groupBySize,
  TSAD_GRAD,
  TSAD_GRAD_OUT,
} from "./ratios.js";

const WIDTH = 960;
const LABEL_WIDTH = 300;
const COLORS: Record<string, string> = {
  tsad: "#1f77b4",
  "hand-written": "#2ca02c",
  tfjs: "#ff7f0e",
  "jax-js": "#9467bd",
  primal: "#7f7f7f",
  "tsad grad": "#1f77b4",
  "tsad derivative (forward)": "#17becf",
};

interface Bar {
  readonly series: string;
  readonly ratio: number;
}

interface Group {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export function chartSvg(reports: readonly SuiteReport[]): string {
  const groups = ratioGroups(reports);
  const scaling = reports.find((r) => r.suite === "chain-scaling");
  const top = ratioPanel(groups, 0);
  const bottom =
    scaling === undefined
      ? { svg: "", height: 0 }
      : chainPanel(scaling.rows, top.height + 20);
  const height = top.height + bottom.height + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${top.svg}
${bottom.svg}
</svg>
`;
}

/** One group per workload and size where tsad's gradient was timed. */
function ratioGroups(reports: readonly SuiteReport[]): Group[] {
  const groups: Group[] = [];
  for (const report of reports) {
    if (report.suite === "chain-scaling") continue;
    for (const rows of groupBySize(report.rows)) {
      const base = baselines(rows);
      if (base.primal === undefined) continue;
      const tsad =
        rows.find((r) => r.method === TSAD_GRAD_OUT && r.status === "ok") ??
        rows.find((r) => r.method === TSAD_GRAD && r.status === "ok");
      if (tsad === undefined) continue;
      const way = tsad.allocation === "buffer" ? "buffer" : "fresh";
      const timed = (test: (r: Row) => boolean) =>
        rows.find((r) => test(r) && r.status === "ok")?.medianMs;
      const series: [string, number | undefined][] = [
        ["tsad", tsad.medianMs],
        ["hand-written", base.hand[way]],
        ["tfjs", timed((r) => r.family === "tfjs")],
        ["jax-js", timed((r) => r.family === "jax")],
      ];
      groups.push({
        label: `${report.title}, ${rows[0]!.size}`,
        bars: series
          .filter((s): s is [string, number] => s[1] !== undefined)
          .map(([name, ms]) => ({ series: name, ratio: ms / base.primal! })),
      });
    }
  }
  return groups;
}

function ratioPanel(
  groups: readonly Group[],
  y0: number,
): { svg: string; height: number } {
  const barHeight = 8;
  const groupHeight = 4 * barHeight + 10;
  const plotTop = y0 + 60;
  const plotLeft = LABEL_WIDTH;
  const plotRight = WIDTH - 30;
  const ratios = groups.flatMap((g) => g.bars.map((b) => b.ratio));
  const low = Math.floor(Math.log10(Math.min(0.5, ...ratios)));
  const high = Math.ceil(Math.log10(Math.max(10, ...ratios)));
  const x = (ratio: number) =>
    plotLeft +
    ((Math.log10(ratio) - low) / (high - low)) * (plotRight - plotLeft);
  const plotBottom = plotTop + groups.length * groupHeight;
  const parts: string[] = [
    `<text x="${WIDTH / 2}" y="${y0 + 20}" text-anchor="middle" font-size="15" font-weight="bold">Gradient time / primal time (log scale; tsad with { out } where the gradient is an array)</text>`,
    legend(["tsad", "hand-written", "tfjs", "jax-js"], plotLeft, y0 + 40),
  ];
  for (let e = low; e <= high; e++) {
    const xe = x(10 ** e);
    parts.push(
      `<line x1="${xe}" y1="${plotTop}" x2="${xe}" y2="${plotBottom}" stroke="#ddd"/>`,
      `<text x="${xe}" y="${plotBottom + 15}" text-anchor="middle">${10 ** e >= 1 ? 10 ** e : (10 ** e).toString()}</text>`,
    );
  }
  parts.push(
    `<line x1="${x(3)}" y1="${plotTop}" x2="${x(3)}" y2="${plotBottom}" stroke="#d62728" stroke-dasharray="4 3"/>`,
    `<text x="${x(3) + 4}" y="${plotTop - 4}" fill="#d62728">target 3</text>`,
  );
  groups.forEach((group, g) => {
    const gy = plotTop + g * groupHeight;
    parts.push(
      `<text x="${plotLeft - 8}" y="${gy + 2 * barHeight + 4}" text-anchor="end">${escapeXml(group.label)}</text>`,
    );
    group.bars.forEach((bar, b) => {
      const by = gy + b * barHeight;
      const width = Math.max(1, x(bar.ratio) - plotLeft);
      parts.push(
        `<rect x="${plotLeft}" y="${by}" width="${width.toFixed(1)}" height="${barHeight - 1}" fill="${COLORS[bar.series]}"><title>${escapeXml(`${group.label}: ${bar.series} ${formatRatio(bar.ratio)}x primal`)}</title></rect>`,
        `<text x="${(plotLeft + width + 3).toFixed(1)}" y="${by + barHeight - 1}" font-size="8">${formatRatio(bar.ratio)}</text>`,
      );
    });
  });
  return { svg: parts.join("\n"), height: plotBottom - y0 + 25 };
}

function chainPanel(
  rows: readonly Row[],
  y0: number,
): { svg: string; height: number } {
  const plotTop = y0 + 60;
  const plotBottom = plotTop + 300;
  const plotLeft = 110;
  const plotRight = WIDTH - 200;
  const methods = [...new Set(rows.map((r) => r.method))];
  const timed = rows.filter((r) => r.status === "ok");
  const ks = timed.map((r) => r.work);
  const times = timed.map((r) => r.medianMs!);
  const kLow = Math.log2(Math.min(...ks));
  const kHigh = Math.log2(Math.max(...ks));
  const tLow = Math.floor(Math.log10(Math.min(...times)));
  const tHigh = Math.ceil(Math.log10(Math.max(...times)));
  const x = (k: number) =>
    plotLeft +
    ((Math.log2(k) - kLow) / (kHigh - kLow)) * (plotRight - plotLeft);
  const y = (ms: number) =>
    plotBottom -
    ((Math.log10(ms) - tLow) / (tHigh - tLow)) * (plotBottom - plotTop);
  const parts: string[] = [
    `<text x="${WIDTH / 2}" y="${y0 + 20}" text-anchor="middle" font-size="15" font-weight="bold">Chain of k Euler steps: median time against k (log-log); labels: time(2k) / time(k)</text>`,
    `<rect x="${plotLeft}" y="${plotTop}" width="${plotRight - plotLeft}" height="${plotBottom - plotTop}" fill="none" stroke="#999"/>`,
  ];
  for (let e = tLow; e <= tHigh; e++) {
    parts.push(
      `<line x1="${plotLeft}" y1="${y(10 ** e)}" x2="${plotRight}" y2="${y(10 ** e)}" stroke="#eee"/>`,
      `<text x="${plotLeft - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${escapeXml(timeLabel(10 ** e))}</text>`,
    );
  }
  for (const k of [...new Set(ks)]) {
    parts.push(
      `<text x="${x(k)}" y="${plotBottom + 15}" text-anchor="middle" font-size="10">${k >= 1e6 ? `${(k / 1e6).toFixed(2)}M` : `${k / 1000}k`}</text>`,
    );
  }
  parts.push(
    `<text x="${(plotLeft + plotRight) / 2}" y="${plotBottom + 32}" text-anchor="middle">k</text>`,
  );
  methods.forEach((method, m) => {
    const color = COLORS[method] ?? ["#2ca02c", "#7f7f7f", "#8c564b"][m % 3]!;
    const points = timed.filter((r) => r.method === method);
    const path = points
      .map(
        (p, i) =>
          `${i === 0 ? "M" : "L"}${x(p.work).toFixed(1)},${y(p.medianMs!).toFixed(1)}`,
      )
      .join(" ");
    parts.push(
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const p of points)
      parts.push(
        `<circle cx="${x(p.work).toFixed(1)}" cy="${y(p.medianMs!).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    if (method === TSAD_GRAD || method === "tsad derivative (forward)") {
      const above = method === TSAD_GRAD;
      for (const d of doublingRatios(rows, method)) {
        parts.push(
          `<text x="${x(d.k).toFixed(1)}" y="${(y(d.ms) + (above ? -8 : 16)).toFixed(1)}" text-anchor="middle" font-size="9" fill="${color}">${d.ratio.toFixed(2)}</text>`,
        );
      }
    }
    parts.push(
      `<line x1="${plotRight + 15}" y1="${plotTop + 10 + m * 18}" x2="${plotRight + 35}" y2="${plotTop + 10 + m * 18}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${plotRight + 40}" y="${plotTop + 14 + m * 18}">${escapeXml(method)}</text>`,
    );
  });
  return { svg: parts.join("\n"), height: plotBottom - y0 + 40 };
}

function legend(series: readonly string[], x0: number, y: number): string {
  return series
    .map(
      (name, i) =>
        `<rect x="${x0 + i * 130}" y="${y - 9}" width="12" height="10" fill="${COLORS[name]}"/><text x="${x0 + i * 130 + 16}" y="${y}">${escapeXml(name)}</text>`,
    )
    .join("\n");
}

function timeLabel(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (ms >= 1) return `${ms} ms`;
  if (ms >= 0.001) return `${Math.round(ms * 1000)} µs`;
  return `${Math.round(ms * 1e6)} ns`;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}
