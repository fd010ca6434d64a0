// `npm run bench`: build tsad if dist/ is stale, compile bench/ with
// ts-patch's `tspc` running the tsad transformer (as a user's project is
// built), run every suite, and write bench/RESULTS.md and bench/chart.svg.
//
// A workload that tsad cannot compile yet (a tsad diagnostic, TS96xxx) does
// not stop the run: it is reported as unsupported. Any other compile error
// does. Then it times builds with and without tsad (scripts/bench-build.mjs,
// skipped with BENCH_SUITES). Environment: BENCH_QUICK=1, BENCH_SUITES=a,b,
// BENCH_LIMIT_S, BENCH_TIME_MS, BENCH_BUILD_ROUNDS, BENCH_BUILD_OWN_ROUNDS
// (bench/README.md).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureBuilt } from "./ensure-built.mjs";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, ".tmp/bench");
const tspc = path.join(root, "node_modules/ts-patch/bin/tspc.js");
const TSAD_DIAGNOSTIC = /^bench\/\S+\(\d+,\d+\): error TS96\d{3}:/;

/** Compiles bench/; returns tsad's diagnostics, exits on any other error. */
function compileBench() {
  fs.rmSync(out, { recursive: true, force: true });
  console.error("> tspc -p bench");
  const result = spawnSync(process.execPath, [tspc, "-p", "bench"], {
    cwd: root,
    encoding: "utf8",
  });
  const lines = `${result.stdout}${result.stderr}`
    .split("\n")
    .filter((line) => line.trim() !== "");
  const errors = lines.filter((line) => /error TS\d+/.test(line));
  const others = errors.filter((line) => !TSAD_DIAGNOSTIC.test(line));
  if (others.length > 0 || (result.status !== 0 && errors.length === 0)) {
    console.error(lines.join("\n"));
    console.error("\nbench: compiling bench/ failed");
    process.exit(1);
  }
  if (errors.length > 0) {
    console.error(
      `tsad cannot compile these workloads yet (reported, not timed):\n${errors.join("\n")}`,
    );
  }
  return errors;
}

ensureBuilt();
const diagnostics = compileBench();
const diagnosticsFile = path.join(out, "diagnostics.txt");
fs.writeFileSync(diagnosticsFile, diagnostics.join("\n"));
const buildFile = path.join(out, "build.json");
if (process.env.BENCH_SUITES === undefined) {
  console.error("> node scripts/bench-build.mjs");
  execFileSync(
    process.execPath,
    [path.join(root, "scripts/bench-build.mjs"), "--json", buildFile],
    {
      cwd: root,
      stdio: "inherit",
      env: {
        BENCH_BUILD_ROUNDS: process.env.BENCH_QUICK === "1" ? "2" : "5",
        BENCH_BUILD_OWN_ROUNDS: process.env.BENCH_QUICK === "1" ? "3" : "7",
        ...process.env,
      },
    },
  );
}
const run = spawnSync(
  process.execPath,
  [
    path.join(out, "main.js"),
    path.join(root, "bench"),
    diagnosticsFile,
    buildFile,
  ],
  { cwd: root, stdio: "inherit" },
);
execFileSync(
  process.execPath,
  [
    path.join(root, "node_modules/prettier/bin/prettier.cjs"),
    "--write",
    "--log-level=warn",
    "bench/RESULTS.md",
  ],
  { cwd: root, stdio: "inherit" },
);
process.exit(run.status ?? 1);
