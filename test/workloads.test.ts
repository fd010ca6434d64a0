/**
 * The benchmark workloads are programs as users write them: a change that
 * rejects one (a check grown too cautious) fails here, not only in
 * `npm run bench`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { emitTo, formatDiagnostic, repoRoot } from "./support/compile.js";

it("accepts every benchmark workload", () => {
  const dir = path.join(repoRoot, "bench/workloads");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
  expect(files.length).toBeGreaterThan(5);
  const outDir = path.join(repoRoot, ".tmp/bench-workloads");
  expect(emitTo(files, outDir).map(formatDiagnostic)).toEqual([]);
});
