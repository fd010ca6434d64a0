/**
 * Generated code grows linearly with the source (issue 4). Structuring a
 * jump moves what follows an `if` into each path through it that does
 * not jump; for a run of `if`s that jump on some paths only, that copied
 * the rest of the function (or loop body, or `switch`) into every path,
 * doubling the code per `if`. Each case here is generated with `n` and
 * `2n` such statements: the code for `2n` must be about twice as long
 * (indentation aside, which grows with the nesting).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatDiagnostic,
  repoRoot,
  transformedSource,
} from "./support/compile.js";

const outDir = path.join(repoRoot, ".tmp/code-size");

/** Each case: a marked function with `n` statements that jump on some paths. */
const cases: Record<string, (n: number) => string> = {
  "early returns": (n) => {
    const checks = Array.from(
      { length: n },
      (_, k) => `
  if (s > ${k / n}) {
    if (x > ${1 + k / n}) return s * ${k + 1};
    s = Math.sin(s) + x;
  }`,
    );
    return `
/** @differentiable */
export function f(x: number): number {
  let s = x;${checks.join("")}
  return s * x;
}`;
  },
  "continue in a loop": (n) => {
    const checks = Array.from(
      { length: n },
      (_, k) => `
    if (v > ${k / n}) {
      if (s > ${k + 1}) continue;
      s += Math.cos(v) * ${k + 1};
    }`,
    );
    return `
/** @differentiable */
export function f(x: number[]): number {
  let s = 0;
  for (const v of x) {${checks.join("")}
    s *= 0.5;
  }
  return s;
}`;
  },
  "switch falling through": (n) => {
    const clauses = Array.from(
      { length: n },
      (_, k) => `
      case ${k}:
        if (s > ${k + 1}) break;
        s += Math.exp(v) * ${k + 1};`,
    );
    return `
/** @differentiable */
export function f(x: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    switch (i % ${n}) {${clauses.join("")}
    }
    s *= 0.5;
  }
  return s;
}`;
  },
};

/** The length of the transformed file, indentation and line breaks aside. */
async function generatedSize(name: string, n: number): Promise<number> {
  const file = path.join(outDir, `${name.replaceAll(" ", "-")}-${n}.ts`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, cases[name]!(n));
  const { code, diagnostics } = await transformedSource([file], file);
  expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  return code.replace(/\s/g, "").length;
}

describe("generated code grows linearly", () => {
  for (const name of Object.keys(cases)) {
    it(`with ${name}`, async () => {
      const small = await generatedSize(name, 8);
      const large = await generatedSize(name, 16);
      // Linear growth doubles the size; a copy per path multiplied it by
      // 2^8 (the 16-statement case took minutes to compile).
      const growth = large / small;
      expect(growth, `${small} -> ${large} characters`).toBeGreaterThan(1.8);
      expect(growth, `${small} -> ${large} characters`).toBeLessThan(2.3);
    }, 120_000);
  }
});
