/**
 * `npm run bench` after the build: runs each suite in its own Node
 * process, then writes RESULTS.md and chart.svg into the folder given as
 * the first argument.
 * `node main.js <bench folder> [diagnostics file] [build speed JSON]`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { measureOptions, selectedSuites } from "./harness/options.js";
import type { SuiteReport } from "./harness/types.js";
import { chartSvg } from "./report/chart.js";
import {
  resultsMarkdown,
  type BuildSpeed,
  type RunInfo,
} from "./report/markdown.js";
import { SUITES, SYMBOLIC_CHAIN } from "./suites/index.js";

function main(): void {
  const [benchDir, diagnosticsFile, buildFile] = process.argv.slice(2);
  if (benchDir === undefined) {
    throw new Error("usage: node main.js <bench folder> [diagnostics file]");
  }
  const loadAtStart = os.loadavg()[0]!;
  const names = selectedSuites([...SUITES.map((s) => s.name), SYMBOLIC_CHAIN]);
  const reports: SuiteReport[] = [];
  const crashed: string[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tsad-bench-"));
  for (const name of names) {
    const reportFile = path.join(scratch, `${name}.json`);
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", path.join(__dirname, "run-suite.js"), name, reportFile],
      { stdio: ["ignore", "inherit", "inherit"], env: childEnvironment() },
    );
    if (child.status === 0) {
      reports.push(JSON.parse(fs.readFileSync(reportFile, "utf8")));
    } else {
      crashed.push(
        `${name}: the process exited with ${child.status ?? child.signal}`,
      );
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });

  const info = {
    ...runInfo(diagnosticsFile, crashed, loadAtStart),
    ...(buildFile !== undefined &&
      fs.existsSync(buildFile) && {
        build: JSON.parse(fs.readFileSync(buildFile, "utf8")) as BuildSpeed,
      }),
  };
  fs.writeFileSync(
    path.join(benchDir, "RESULTS.md"),
    resultsMarkdown(reports, info),
  );
  fs.writeFileSync(path.join(benchDir, "chart.svg"), chartSvg(reports));
  fs.writeFileSync(
    path.join(__dirname, "results.json"),
    JSON.stringify({ info, reports }, null, 1),
  );
  console.error(`wrote ${path.join(benchDir, "RESULTS.md")} and chart.svg`);
  if (crashed.length > 0) process.exitCode = 1;
}

/**
 * glibc adapts its mmap threshold as blocks are freed, so a fresh 8 MB
 * array (the gradient at d = 1e6) is either reused heap memory (0.2 ms)
 * or new pages that fault on first touch (25 ms on this VM), depending on
 * the process's history, and the rows that allocate would flip between
 * the two. Pinning the thresholds gives every allocating method the steady
 * state a long-running program reaches.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  return {
    MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
    MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
    ...process.env,
  };
}

function runInfo(
  diagnosticsFile: string | undefined,
  crashed: string[],
  loadAtStart: number,
): RunInfo {
  const cpus = os.cpus();
  const options = measureOptions();
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: path.resolve(__dirname, "../.."),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  let tsad = process.env.BENCH_TSAD_VERSION ?? "unknown commit";
  if (process.env.BENCH_TSAD_VERSION === undefined) {
    try {
      const changed = git(
        "status",
        "--porcelain",
        "--",
        "transformer",
        "runtime",
      );
      tsad = `commit ${git("rev-parse", "--short", "HEAD")}${changed === "" ? "" : " with uncommitted changes to transformer/ or runtime/"}`;
    } catch {
      // Not a git checkout, and no BENCH_TSAD_VERSION: the version is unknown.
    }
  }
  const diagnostics =
    diagnosticsFile !== undefined && fs.existsSync(diagnosticsFile)
      ? fs
          .readFileSync(diagnosticsFile, "utf8")
          .split("\n")
          .filter((line) => line.trim() !== "")
      : [];
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
    node: `${process.version} (V8 ${process.versions.v8})`,
    tsad,
    mode: `${options.quick ? "quick (BENCH_QUICK=1)" : "full"}; a method is skipped where one gradient would take over ${options.limitMs / 1000} s; tinybench time budget ${options.timeMs} ms per row; ${options.clock === "cpu" ? "timed by the process's CPU time (BENCH_CLOCK=cpu)" : "timed by the wall clock"}${process.env.BENCH_SUITES ? `; suites: ${process.env.BENCH_SUITES}` : ""}`,
    diagnostics,
    crashed,
  };
}

main();
