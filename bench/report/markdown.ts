/**
 * bench/RESULTS.md from the suites' reports: the targets of issue 5, the
 * full table, the value stack, the chain's scaling and mathjs's blow-up.
 */
import { formatDifference, formatMs, formatRatio } from "../harness/format.js";
import type { SuiteReport } from "../harness/types.js";
import type { SymbolicStep } from "../suites/symbolic-chain.js";
import {
  baselines,
  doublingRatios,
  groupBySize,
  ratiosOf,
  TSAD_GRAD,
} from "./ratios.js";

export interface RunInfo {
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly tsad: string;
  readonly mode: string;
  /** tspc's errors on workloads tsad cannot compile yet. */
  readonly diagnostics: readonly string[];
  /** Suites whose process failed, with the reason. */
  readonly crashed: readonly string[];
  /** scripts/bench-build.mjs's figures, when it ran. */
  readonly build?: BuildSpeed;
}

/** Median CPU times of builds of one generated project, in ms. */
interface BuildTimes {
  readonly tscMs: number;
  /** tspc with no plugin: what ts-patch costs by itself. */
  readonly bareMs: number;
  readonly tspcMs: number;
  /** `tsc` of a TypeScript that `ts-patch install` patched on disk, no plugin. */
  readonly patchedBareMs: number;
  /** The same with tsad. */
  readonly patchedMs: number;
  /**
   * tsad's own cost: an emit with tsad less one without, measured apart
   * from the rest of a build, whose time varies by more.
   */
  readonly ownMs: number;
}

export interface BuildSpeed {
  readonly functions: number;
  readonly modules: number;
  readonly rounds: number;
  readonly ownRounds: number;
  readonly marked: BuildTimes;
  readonly unmarked: BuildTimes;
}

const CHART = "chart.svg";

export function resultsMarkdown(
  reports: readonly SuiteReport[],
  info: RunInfo,
): string {
  const tables = reports.filter(
    (r) => r.rows.length > 0 && r.suite !== "chain-scaling",
  );
  const scaling = reports.find((r) => r.suite === "chain-scaling");
  const symbolic = reports.find((r) => r.suite === "symbolic-chain");
  const sections = [
    header(info),
    targets(tables, scaling),
    resultsTable(tables),
    valueStack(tables),
    info.build === undefined ? "" : buildSpeed(info.build),
    scaling === undefined ? "" : chainScaling(scaling),
    symbolic === undefined
      ? ""
      : symbolicBlowUp(symbolic.extra as SymbolicStep[]),
    diagnostics(info),
  ];
  return `${sections.filter((s) => s !== "").join("\n\n")}\n`;
}

function buildSpeed(build: BuildSpeed): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const row = (project: string, times: BuildTimes, target: number) => {
    const ratio = (ms: number) => {
      const r = ms / times.tscMs;
      return `${formatRatio(r)}${r <= target ? "" : " ✗"}`;
    };
    return `| ${project} | ${seconds(times.tscMs)} | ${seconds(times.bareMs)} | ${seconds(times.tspcMs)} | ${ratio(times.tspcMs)} | ${seconds(times.patchedBareMs)} | ${seconds(times.patchedMs)} | ${ratio(times.patchedMs)} | ${seconds(times.ownMs)} | ${ratio(times.tscMs + times.ownMs)} | ${target} |`;
  };
  return [
    "## Build speed",
    "",
    `\`npm run bench:build\` (scripts/bench-build.mjs): a generated project of ${build.functions} functions in ${build.modules} modules (scalar code, branches, loops over arrays and matrices, calls between them, \`grad\` calls asking for gradients), built with the functions marked and with the tags and \`grad\` calls removed. Median CPU time of the build process over ${build.rounds} builds each. "tspc, no plugin" is ts-patch alone: \`tspc\` patches TypeScript in memory at every start. "patched tsc" is the \`tsc\` of a TypeScript that \`ts-patch install\` patched once on disk (ts-patch's persistent patch, which a \`prepare\` script can run), without a plugin and with tsad. A build's time varies by a tenth from one process to the next here, more than tsad adds to a project without marked functions, so "tsad's own" is measured apart: the CPU time of emitting the checked program with tsad (loading it included) less that of emitting it without, medians of ${build.ownRounds} processes each. "tsc + own" is what a build with the persistent patch, whose hooks cost nothing measurable, then takes.`,
    "",
    "| project | tsc | tspc, no plugin | tspc with tsad | / tsc | patched tsc, no plugin | patched tsc with tsad | / tsc | tsad's own | tsc + own / tsc | target |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    row(`${build.functions} marked functions`, build.marked, 1.5),
    row("no marked functions", build.unmarked, 1.1),
  ].join("\n");
}

function header(info: RunInfo): string {
  return `# tsad benchmarks

Written by \`npm run bench\` (see bench/README.md); do not edit by hand.

- Date: ${info.date}
- Machine: ${info.machine}
- Node: ${info.node}
- tsad: ${info.tsad}
- Mode: ${info.mode}

Each time is the median of tinybench's samples of one call (calls far
below the timer's resolution are batched per sample). Every method is run
once and checked against the hand-written gradient before it is timed:
"check" is the normwise relative difference max|a - b| / max|b|. Allowed:
1e-9 for float64 methods, 1e-4 for finite differences, 3e-3 for tfjs
(float32) and 1e-5 for jax-js, whose \`jit\` computes exp, log and sin,
and rounds literal constants, in float32 precision even on float64 arrays.
Ratios compare rows of the same run, workload and size; a method writing
into a buffer (\`{ out }\`) is compared with the hand-written and tsad
rows that do the same, every other method with the ones that allocate
their result. tfjs runs on its pure-JavaScript CPU backend (tfjs-node
cannot install here), jax-js on its WebAssembly backend with float64
arrays; their inputs are tensors made before timing, and each call reads
the gradient back into JavaScript. Each workload runs in its own process
with glibc's malloc thresholds pinned (\`MALLOC_MMAP_THRESHOLD_\` 32 MiB,
\`MALLOC_TRIM_THRESHOLD_\` 1 GiB): unpinned, a fresh 8 MB array costs
0.2 ms or 25 ms (page faults in this VM) depending on the allocator's
history. The machine is shared: compare ratios within one run, not times
across runs.

![gradient / primal by workload, and the chain's time against k](${CHART})`;
}

function targets(
  tables: readonly SuiteReport[],
  scaling: SuiteReport | undefined,
): string {
  const lines = [
    "## Targets of issue 5",
    "",
    "tsad's gradient / primal at most 3 (with `{ out }` where the gradient is an array); tsad / hand-written at most 1.25, comparing like with like (a new array each, or a buffer each); tfjs / tsad (above 1: tsad is faster) at least 1, and at least 10 on the scalar workloads (marked *); jax-js / tsad is reported. A ✗ marks a missed target.",
    "",
    "| workload | size | grad / primal | { out } / primal | grad / hand-written | { out } / hand-written { out } | tfjs / tsad | jax-js / tsad |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const over = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const mark = (ratio: number | undefined, ok: (r: number) => boolean) =>
    ratio === undefined ? "—" : `${formatRatio(ratio)}${ok(ratio) ? "" : " ✗"}`;
  const show = (ratio: number | undefined) => mark(ratio, () => true);
  for (const report of tables) {
    for (const rows of groupBySize(report.rows)) {
      const base = baselines(rows);
      const title = `${escape(report.title)}${report.scalar ? " *" : ""}`;
      const tsad = rows.find((r) => r.method === TSAD_GRAD);
      if (tsad !== undefined && tsad.status !== "ok") {
        lines.push(
          `| ${title} | ${rows[0]!.size} | tsad ${tsad.status}: see below | | | | | |`,
        );
        continue;
      }
      const timed = (family: string) =>
        rows.find((r) => r.family === family && r.status === "ok")?.medianMs;
      const hasOut = base.tsad.buffer !== undefined;
      const withinThree = (r: number) => r <= 3;
      const needed = report.scalar ? 10 : 1;
      const cells = [
        hasOut
          ? show(over(base.tsad.fresh, base.primal))
          : mark(over(base.tsad.fresh, base.primal), withinThree),
        mark(over(base.tsad.buffer, base.primal), withinThree),
        mark(over(base.tsad.fresh, base.hand.fresh), (r) => r <= 1.25),
        mark(over(base.tsad.buffer, base.hand.buffer), (r) => r <= 1.25),
        mark(over(timed("tfjs"), base.tsad.fresh), (r) => r >= needed),
        show(over(timed("jax"), base.tsad.fresh)),
      ];
      lines.push(`| ${title} | ${rows[0]!.size} | ${cells.join(" | ")} |`);
    }
  }
  if (scaling !== undefined) {
    const range = (method: string) => {
      const ratios = doublingRatios(scaling.rows, method).map((d) => d.ratio);
      if (ratios.length === 0) return "—";
      const [low, high] = [Math.min(...ratios), Math.max(...ratios)];
      const ok = low >= 1.8 && high <= 2.2;
      return `${low.toFixed(2)} to ${high.toFixed(2)}${ok ? "" : " ✗"}`;
    };
    lines.push(
      "",
      `Chain of k, time(2k) / time(k) (target 1.8 to 2.2 at every doubling): tsad grad ${range(TSAD_GRAD)}, tsad derivative ${range("tsad derivative (forward)")}; per k below.`,
    );
  }
  return lines.join("\n");
}

function resultsTable(tables: readonly SuiteReport[]): string {
  const lines = [
    "## Results",
    "",
    "| workload | size | method | median | / primal | / hand-written | / tsad | check | notes |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const report of tables) {
    for (const rows of groupBySize(report.rows)) {
      const base = baselines(rows);
      for (const row of rows) {
        const ratios = ratiosOf(row, base);
        const ratio = (r: number | undefined) =>
          r === undefined ? "" : formatRatio(r);
        const time = row.status === "ok" ? formatMs(row.medianMs!) : row.status;
        const check =
          row.difference === undefined ? "" : formatDifference(row.difference);
        lines.push(
          `| ${escape(report.title)} | ${row.size} | ${row.method} | ${time} | ${ratio(ratios.toPrimal)} | ${ratio(ratios.toHand)} | ${ratio(ratios.toTsad)} | ${check} | ${escape(row.note ?? "")} |`,
        );
      }
    }
  }
  return lines.join("\n");
}

function valueStack(tables: readonly SuiteReport[]): string {
  const lines = [
    "## Value stack",
    "",
    "Peak number of values on tsad's value stack during one reverse-mode gradient (8 bytes each), and the stack's capacity when the workload's process ended (it grows by doubling from 1024 values and never shrinks).",
    "",
    "| workload | size | peak values | peak bytes | capacity at the end |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const report of tables) {
    for (const rows of groupBySize(report.rows)) {
      const tsad = rows.find((r) => r.method === TSAD_GRAD);
      if (tsad?.status !== "ok") continue;
      const peak = rows
        .filter((r) => r.family === "tsad" && r.stackPeak !== undefined)
        .reduce((most, r) => Math.max(most, r.stackPeak!), 0);
      lines.push(
        `| ${escape(report.title)} | ${rows[0]!.size} | ${peak} | ${bytes(8 * peak)} | ${report.stackCapacity} values (${bytes(8 * report.stackCapacity)}) |`,
      );
    }
  }
  return lines.join("\n");
}

function chainScaling(report: SuiteReport): string {
  const methods = [...new Set(report.rows.map((r) => r.method))];
  const ks = [...new Set(report.rows.map((r) => r.work))];
  const lines = [
    "## Chain of k: time against k",
    "",
    "Median time at k = 1000 * 2^j, and in parentheses time(k) / time(k/2); linear growth gives 2.",
    "",
    `| k | ${methods.join(" | ")} |`,
    `| --- | ${methods.map(() => "---").join(" | ")} |`,
  ];
  for (const k of ks) {
    const cells = methods.map((method) => {
      const row = report.rows.find((r) => r.work === k && r.method === method);
      if (row?.status !== "ok") return row?.status ?? "";
      const doubling = doublingRatios(report.rows, method).find(
        (d) => d.k === k,
      );
      return `${formatMs(row.medianMs!)}${doubling ? ` (${doubling.ratio.toFixed(2)})` : ""}`;
    });
    lines.push(`| ${k} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function symbolicBlowUp(steps: readonly SymbolicStep[]): string {
  const lines = [
    "## Symbolic differentiation of the chain (mathjs)",
    "",
    "`math.derivative` on the chain after k steps, x_k = x_{k-1} + sin(x_{k-1}) / k. The expression holds x_{k-1} twice, so its tree (and its derivative's) doubles with every step; k grows until one derivative takes longer than half the time limit. tsad differentiates k = 1e6 steps in milliseconds (above).",
    "",
    "| k | simplify | expression nodes | derivative nodes | derivative time | evaluate once | check |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const s of steps) {
    const cells =
      s.timedOutMs !== undefined
        ? [`did not finish in ${formatMs(s.timedOutMs)}`, "", "", ""]
        : [
            `${s.derivativeNodes}`,
            formatMs(s.deriveMs!),
            formatMs(s.evaluateMs!),
            formatDifference(s.difference!),
          ];
    lines.push(
      `| ${s.k} | ${s.simplify ? "yes" : "no"} | ${s.expressionNodes} | ${cells.join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

function diagnostics(info: RunInfo): string {
  const parts: string[] = [];
  if (info.diagnostics.length > 0) {
    parts.push(
      "## Workloads tsad cannot compile yet",
      "",
      "`tspc -p bench` reported (these workloads are listed as unsupported, not timed):",
      "",
      "```",
      ...info.diagnostics,
      "```",
    );
  }
  if (info.crashed.length > 0) {
    parts.push(
      "",
      "## Suites that crashed",
      "",
      ...info.crashed.map((c) => `- ${c}`),
    );
  }
  return parts.join("\n");
}

function bytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
