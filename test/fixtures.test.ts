/**
 * Every folder under fixtures/ is a case: `input.ts` (plus any modules it
 * imports) and `output.ts`, the transformed TypeScript as prettier formats
 * it; under fixtures/errors/, `errors.txt` instead: the diagnostics, with
 * no derivatives emitted for the functions they name. A case is checked
 * twice:
 * - the code: the output must match the snapshot (refresh with
 *   `npm run fixtures`, then read every change);
 * - the numbers: every exported marked function is compiled, run, and its
 *   reverse-mode gradient, forward-mode tangents and central finite
 *   differences must agree at several seeded points. An optional
 *   `check.ts` (see support/fixture-check.ts) narrows the points for
 *   functions defined on part of the line, or gives a hand-derived
 *   gradient where finite differences do not apply.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { grad, jvp } from "../runtime/index.js";
import { lookupCompiled } from "../runtime/registry.js";
import {
  emitTo,
  formatDiagnostic,
  repoRoot,
  transformedSource,
} from "./support/compile.js";
import type { FixtureCheck } from "./support/fixture-check.js";
import { centralDifference, close, seededRandom } from "./support/numeric.js";

const fixturesRoot = path.join(repoRoot, "fixtures");
const POINTS = 5;

const count = (text: string, part: string) => text.split(part).length - 1;

function fixtureDirs(dir: string): string[] {
  if (fs.existsSync(path.join(dir, "input.ts"))) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fixtureDirs(path.join(dir, entry.name)));
}

const errorsRoot = path.join(fixturesRoot, "errors");

for (const dir of fixtureDirs(errorsRoot)) {
  const name = path.relative(fixturesRoot, dir);
  it(`${name} is reported, with no derivatives emitted`, async () => {
    const input = path.join(dir, "input.ts");
    const { code, diagnostics } = await transformedSource([input], input);
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) {
      expect(d.code, formatDiagnostic(d)).toBeGreaterThanOrEqual(96000);
      expect(d.code).toBeLessThan(97000);
      expect(d.category).toBe(ts.DiagnosticCategory.Error);
      // Derivatives of the function named are neither emitted nor registered
      // (a misplaced tag names none).
      const fn = /when differentiating '(\w+)'/.exec(formatDiagnostic(d))?.[1];
      if (fn === undefined) continue;
      const source = fs.readFileSync(input, "utf8");
      for (const variant of ["__jvp", "__vjp"]) {
        expect(count(code, fn + variant)).toBe(count(source, fn + variant));
      }
      expect(code).not.toContain(`registerCompiled(${fn},`);
    }
    await expect(
      diagnostics.map(formatDiagnostic).join("\n") + "\n",
    ).toMatchFileSnapshot(path.join(dir, "errors.txt"));
  });
}

for (const dir of fixtureDirs(fixturesRoot).filter(
  (d) => !d.startsWith(errorsRoot),
)) {
  const name = path.relative(fixturesRoot, dir);
  const input = path.join(dir, "input.ts");
  const sources = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "output.ts" && f !== "check.ts")
    .map((f) => path.join(dir, f));

  describe(name, () => {
    it("generates the expected code", async () => {
      const { code, diagnostics } = await transformedSource(sources, input);
      expect(diagnostics.map(formatDiagnostic)).toEqual([]);
      await expect(code).toMatchFileSnapshot(path.join(dir, "output.ts"));
    });

    it("agrees with finite differences in both modes", async () => {
      const outDir = path.join(repoRoot, ".tmp/fixtures", name);
      const diagnostics = emitTo(sources, outDir);
      expect(diagnostics.map(formatDiagnostic)).toEqual([]);
      const module: Record<string, unknown> = await import(
        pathToFileURL(path.join(outDir, "input.js")).href
      );
      const checkFile = path.join(dir, "check.ts");
      const check: FixtureCheck = fs.existsSync(checkFile)
        ? (await import(pathToFileURL(checkFile).href)).check
        : {};
      const marked = Object.entries(module).filter(
        (entry): entry is [string, (...args: number[]) => number] =>
          typeof entry[1] === "function" &&
          lookupCompiled(entry[1]) !== undefined,
      );
      expect(marked.length).toBeGreaterThan(0);
      const random = seededRandom(name.length * 7919);
      for (const [fnName, f] of marked) {
        checkFunction(
          fnName,
          f,
          check.domains?.[fnName],
          check.gradients?.[fnName],
          random,
        );
      }
    });
  });
}

/** The API seen without its precise types: the fixtures are only known at run time. */
const untyped = { grad, jvp } as unknown as {
  grad: (f: Function, argnums: number[]) => (...args: number[]) => number[];
  jvp: (f: Function, primals: number[], tangents: number[]) => [number, number];
};

function checkFunction(
  fnName: string,
  f: (...args: number[]) => number,
  domain: [number, number][] | undefined,
  expected: ((...args: number[]) => number[]) | undefined,
  random: () => number,
) {
  const kinds = lookupCompiled(f)!.params;
  const active = kinds.flatMap((k, i) => (k === "number" ? [i] : []));
  for (let p = 0; p < POINTS; p++) {
    // Parameters that are not differentiable get a string, as a label would.
    const args = kinds.map((kind, i) => {
      const [lo, hi] = domain?.[i] ?? [-2, 2];
      return kind === "number" ? lo + (hi - lo) * random() : "label";
    }) as number[];
    const where = `${fnName}(${args.join(", ")})`;
    const gradient = untyped.grad(f, active)(...args);
    active.forEach((argnum, j) => {
      const tangents = args.map((_, i) => (i === argnum ? 1 : 0));
      const [value, forward] = untyped.jvp(f, args, tangents);
      const independent = expected
        ? expected(...args)[argnum]!
        : centralDifference(f, args, argnum);
      expect(value, `value of ${where}`).toBe(f(...args));
      expect(
        close(forward, gradient[j]!, 1e-12, 1e-12),
        `forward ${forward} vs reverse ${gradient[j]} for argument ${argnum} of ${where}`,
      ).toBe(true);
      expect(
        close(gradient[j]!, independent, 1e-6, 1e-7),
        `reverse ${gradient[j]} vs ${expected ? "hand-derived" : "finite differences"} ${independent} for argument ${argnum} of ${where}`,
      ).toBe(true);
    });
  }
}
