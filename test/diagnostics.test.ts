/**
 * The list of diagnostic codes, kept honest: every code but the internal
 * error is produced by some error fixture, and README documents every
 * code. A new code without either fails here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { DiagnosticCode } from "../transformer/diagnostics.js";
import { repoRoot } from "./support/compile.js";

const errorsRoot = path.join(repoRoot, "fixtures/errors");
const recorded = fs
  .readdirSync(errorsRoot)
  .map((name) => path.join(errorsRoot, name, "errors.txt"))
  .filter((file) => fs.existsSync(file))
  .map((file) => fs.readFileSync(file, "utf8"))
  .join("\n");
const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");

const codes = Object.entries(DiagnosticCode);

it.each(codes)("%s (TS%i) is documented in README's table", (_, code) => {
  expect(readme).toMatch(new RegExp(`^\\| TS${code} \\|`, "m"));
});

// An internal error is a bug in tsad: no input is known to produce one.
it.each(codes.filter(([name]) => name !== "InternalError"))(
  "%s (TS%i) has an error fixture",
  (_, code) => {
    expect(recorded).toContain(`: TS${code}: `);
  },
);

it("codes are unique and in the reserved range", () => {
  const values = Object.values(DiagnosticCode);
  expect(new Set(values).size).toBe(values.length);
  for (const code of values) {
    expect(code).toBeGreaterThanOrEqual(96000);
    expect(code).toBeLessThan(97000);
  }
});
