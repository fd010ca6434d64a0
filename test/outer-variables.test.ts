/**
 * Which reads of an outer `let` or `var` tsad rejects (TS96017): exactly
 * those of a variable some code assigns after its declaration, whatever
 * form the assignment takes; reads of variables nothing assigns pass.
 * One module holds every case, each with its own variable and marked
 * function, so one compilation checks them all.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, transformedSource } from "./support/compile.js";

/** Statements (in a function that is not marked) that assign `v`. */
const assignments: Record<string, string> = {
  assignment: "v = 2;",
  compound: "v *= 2;",
  logical: "v ||= 2;",
  postfixIncrement: "v++;",
  prefixDecrement: "--v;",
  parenthesized: "(v as number) = 2;",
  arrayPattern: "[v] = [2];",
  nestedArrayPattern: "[[v]] = [[2]];",
  arrayPatternDefault: "[v = 2] = [];",
  arrayPatternRest: "let r: number[]; [...r] = []; [v, ...r] = [2];",
  objectShorthand: "({ v } = { v: 2 });",
  objectProperty: "({ k: v } = { k: 2 });",
  forOf: "for (v of [1, 2]) {}",
};

/** Statements that read `v`, or mention it, without assigning it. */
const reads: Record<string, string> = {
  read: "console.log(v + 1);",
  negation: "console.log(-v, !v, typeof v);",
  arrayLiteral: "console.log([v]);",
  elementOfLiteral: "[v][0] = 2;",
  objectLiteral: "console.log({ v }, { k: v });",
  rightHandSide: "let w = 0; w = v;",
  shadowed: "let v = 0; v = 2; console.log(v);",
};

/** `v` declared as `declaration` is also assigned in some way. */
const declarations: Record<string, { declaration: string; assign: string }> = {
  var: { declaration: "var v = 1;", assign: "v = 2;" },
  destructured: { declaration: "let [v] = [1];", assign: "v = 2;" },
  laterInitialized: { declaration: "let v: number;", assign: "v = 1;" },
  topLevelWrite: { declaration: "let v = 1;", assign: "" },
};

function caseModule(
  name: string,
  declaration: string,
  body: string,
  topLevel = "",
): string {
  // Each case in its own block scope of names: v is renamed per case.
  const v = `v_${name}`;
  const rename = (code: string) => code.replace(/\bv\b/g, v);
  return `${rename(declaration)}
${rename(topLevel)}
export function touch_${name}(): void {
  ${rename(body)}
}
/** @differentiable */
export function read_${name}(x: number): number {
  return ${v} * x;
}
`;
}

let flagged: Set<string>;
let relatedLines: Map<string, string>;

beforeAll(async () => {
  const source = [
    ...Object.entries(assignments).map(([name, body]) =>
      caseModule(name, "let v = 1;", body),
    ),
    ...Object.entries(reads).map(([name, body]) =>
      caseModule(name, "let v = 1;", body),
    ),
    ...Object.entries(declarations).map(([name, { declaration, assign }]) =>
      caseModule(
        name,
        declaration,
        assign,
        name === "topLevelWrite" ? "v = 3;" : "",
      ),
    ),
  ].join("\n");
  const dir = path.join(repoRoot, ".tmp/outer-variables");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "cases.ts");
  fs.writeFileSync(file, source);
  const { diagnostics } = await transformedSource([file], file);
  flagged = new Set();
  relatedLines = new Map();
  for (const d of diagnostics) {
    expect(d.code).toBe(96017);
    const line = d.file!.getLineAndCharacterOfPosition(d.start!).line;
    const fn = /read_(\w+)/.exec(d.file!.text.split("\n")[line - 1]!)?.[1];
    expect(fn, `diagnostic on line ${line + 1}`).toBeDefined();
    flagged.add(fn!);
    const assigned = d.relatedInformation?.[1];
    if (assigned) {
      const at = assigned.file!.getLineAndCharacterOfPosition(assigned.start!);
      relatedLines.set(fn!, assigned.file!.text.split("\n")[at.line]!.trim());
    }
  }
}, 240_000);

describe("a marked function reading an outer let or var", () => {
  it.each(Object.keys(assignments))(
    "is rejected when %s assigns it",
    (name) => {
      expect(flagged.has(name)).toBe(true);
      // The related information points at the assignment.
      expect(relatedLines.get(name)).toContain(`v_${name}`);
    },
  );

  it.each(Object.keys(reads))("is accepted when %s does not", (name) => {
    expect(flagged.has(name)).toBe(false);
  });

  it("is rejected for a var, a destructured let, a let initialized later", () => {
    expect(flagged.has("var")).toBe(true);
    expect(flagged.has("destructured")).toBe(true);
    expect(flagged.has("laterInitialized")).toBe(true);
  });

  it("is rejected for any let of a module with a direct eval", async () => {
    const dir = path.join(repoRoot, ".tmp/outer-variables");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "eval.ts");
    fs.writeFileSync(
      file,
      `let w = 2;
let [u] = [3];
export function touch(): void { eval("w = 5; u = 1"); }
/** @differentiable */
export function f(x: number): number { return w * u * x; }
`,
    );
    const { diagnostics } = await transformedSource([file], file);
    expect(diagnostics.map((d) => d.code)).toEqual([96017]);
    const [, related] = diagnostics[0]!.relatedInformation ?? [];
    expect(related?.messageText).toBe("this `eval` may assign 'w'");
  });

  it("is rejected for a var in a block, and a marked callee, of a module with a direct eval", async () => {
    const dir = path.join(repoRoot, ".tmp/outer-variables");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "eval-bindings.ts");
    fs.writeFileSync(
      file,
      `{ var w = 2; }
/** @differentiable */
function g(x: number): number { return x * x; }
export function touch(): void { eval("w = 5; g = (x) => 5 * x"); }
/** @differentiable */
export function f(x: number): number { return w * x; }
/** @differentiable */
export function h(x: number): number { return g(x); }
`,
    );
    const { diagnostics } = await transformedSource([file], file);
    expect(diagnostics.map((d) => d.code)).toEqual([96017, 96017]);
    const messages = diagnostics.map((d) => String(d.messageText));
    expect(messages[0]).toContain("'w' is a `let` or `var`");
    expect(messages[1]).toContain("'g' is a function that a direct `eval`");
  });

  it("is rejected for a let assigned by top-level code", () => {
    expect(flagged.has("topLevelWrite")).toBe(true);
    expect(relatedLines.get("topLevelWrite")).toBe("v_topLevelWrite = 3;");
  });
});
