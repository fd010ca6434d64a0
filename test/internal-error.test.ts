/**
 * A bug in tsad must not crash the compiler or emit a half-made
 * derivative: the failure becomes TS96999 at the function, the function
 * is left as written, and the other marked functions still compile.
 * No input is known to fail, so a stage is made to throw here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { expect, it, vi } from "vitest";
import { DiagnosticCode } from "../transformer/diagnostics.js";
import type { FunctionIR } from "../transformer/ir.js";
import { formatDiagnostic, transformedSource } from "./support/compile.js";

vi.mock("../transformer/activity", async (importOriginal) => {
  const original =
    await importOriginal<typeof import("../transformer/activity.js")>();
  return {
    ...original,
    analyzeActivity: (fn: FunctionIR) => {
      if (fn.name === "broken") throw new TypeError("stage failed");
      return original.analyzeActivity(fn);
    },
  };
});

it("reports an internal failure as TS96999 and leaves the function alone", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsad-internal-"));
  const file = path.join(dir, "input.ts");
  fs.writeFileSync(
    file,
    [
      "/** @differentiable */",
      "export function broken(x: number): number {",
      "  return x * x;",
      "}",
      "/** @differentiable */",
      "export function fine(x: number): number {",
      "  return Math.sin(x);",
      "}",
      "",
    ].join("\n"),
  );
  const { code, diagnostics } = await transformedSource([file], file);

  expect(diagnostics.map(formatDiagnostic)).toEqual([
    "input.ts(2,17): TS96999: tsad failed on 'broken' (a bug in tsad; please report it): stage failed\n" +
      "  input.ts(2,17): when differentiating 'broken'",
  ]);
  expect(diagnostics[0]!.category).toBe(ts.DiagnosticCategory.Error);
  expect(diagnostics[0]!.code).toBe(DiagnosticCode.InternalError);
  expect(code).not.toMatch(/broken__(jvp|vjp)/);
  expect(code).toContain("return x * x;");
  expect(code).toMatch(/function fine__vjp\(/);
  expect(code).toMatch(/function fine__jvp\(/);
});
