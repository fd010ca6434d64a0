/**
 * The programs of programs/array-writes.ts, loops that overwrite what they
 * read, compiled through the real transformer and checked as random
 * programs are (support/program-check.ts): forward mode equals reverse
 * mode, both equal finite differences, and each adjoint leaves the value
 * stack as it found it.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { stack } from "../runtime/index.js";
import { lookupCompiled } from "../runtime/registry.js";
import { emitTo, formatDiagnostic, repoRoot } from "./support/compile.js";
import { seededRandom } from "./support/numeric.js";
import { checkFunction } from "./support/program-check.js";

const input = path.join(repoRoot, "test/programs/array-writes.ts");
const outDir = path.join(repoRoot, ".tmp/array-writes");
let module: Record<string, unknown>;

beforeAll(async () => {
  const diagnostics = emitTo([input], outDir);
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  module = await import(
    pathToFileURL(path.join(outDir, "array-writes.js")).href
  );
}, 240_000);

describe("loops overwriting the arrays they read", () => {
  const names = [
    "readAhead",
    "descending",
    "pairs",
    "twice",
    "scattered",
    "clipped",
    "untilSmall",
    "callsBetweenSteps",
    "scratch",
    "rescale",
    "twoArrays",
    "growing",
    "stencil2d",
    "rowsPerStep",
    "pushedRows",
    "pushedThenRescaled",
  ];
  for (const name of names) {
    it(name, () => {
      const f = module[name] as (...args: never[]) => number;
      expect(lookupCompiled(f)).toBeDefined();
      const { checked } = checkFunction(
        name,
        f as never,
        seededRandom(name.length * 104729),
      );
      expect(checked).toBeGreaterThan(0);
      expect(stack.size).toBe(0);
    });
  }
});
