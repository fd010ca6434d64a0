/**
 * The benchmark workloads are programs as users write them: a change that
 * rejects one (a check grown too cautious) fails here, not only in
 * `npm run bench`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import {
  emitTo,
  formatDiagnostic,
  repoRoot,
  runtimeSource,
} from "./support/compile.js";

const dir = path.join(repoRoot, "bench/workloads");
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => path.join(dir, f));

it("accepts every benchmark workload", () => {
  expect(files.length).toBeGreaterThan(5);
  const outDir = path.join(repoRoot, ".tmp/bench-workloads");
  expect(emitTo(files, outDir).map(formatDiagnostic)).toEqual([]);
});

it("accepts them compiled with the runtime's sources, as a monorepo would", () => {
  // The runtime's own code is then part of the program tsad reads: its
  // registry kept under a symbol on globalThis was a change to every
  // global (all marked functions TS96009).
  const outDir = path.join(repoRoot, ".tmp/bench-workloads-source");
  const sources = { paths: { tsad: [runtimeSource] } };
  expect(emitTo(files, outDir, sources).map(formatDiagnostic)).toEqual([]);
});

it("accepts them in the benchmark's own program, its harness beside them", () => {
  // `tspc -p bench` compiles the suites and the harness with the
  // workloads: a polyfill there (`globals.Float16Array ??= ...`) was a
  // change to every global (all marked functions TS96009).
  const suites = fs
    .readdirSync(path.join(repoRoot, "bench/suites"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(repoRoot, "bench/suites", f));
  const outDir = path.join(repoRoot, ".tmp/bench-workloads-harness");
  const diagnostics = emitTo([...files, ...suites], outDir, {
    types: ["node"],
  }).filter((d) => d.code >= 96000 && d.code < 97000);
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
});
