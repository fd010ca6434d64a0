/**
 * Which unmarked calls tsad rejects because they may change, through a
 * name of their own, an array the marked function reads (TS96018): each
 * form of write that could reach the marked function's array parameter,
 * and none of the writes that cannot. One module holds every case, each
 * with its own names and marked function, so one compilation checks them
 * all.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, transformedSource } from "./support/compile.js";

interface Case {
  /** Module-level declarations; `$` stands for the case's name. */
  readonly setup?: string;
  /** The body of the unmarked `touch_$`, which the marked `read_$` calls. */
  readonly touch: string;
  /** An extra factor `read_$` reads after the call. */
  readonly read?: string;
}

/** Writes that could reach `x`, the marked function's array parameter. */
const reaching: Record<string, Case> = {
  keptReference: { setup: "let s_$: number[] = [];", touch: "s_$[0] = 1;" },
  alias: {
    setup: "let s_$: number[] = [];",
    touch: "const t = s_$; t[0] = 1;",
  },
  objectAssign: {
    setup: "let s_$: number[] = [];",
    touch: "Object.assign(s_$, [1]);",
  },
  fill: { setup: "let s_$: number[] = [];", touch: "s_$.fill(0);" },
  lengthWrite: { setup: "let s_$: number[] = [];", touch: "s_$.length = 0;" },
  forOfTarget: {
    setup: "let s_$: number[] = [];",
    touch: "for (s_$[0] of [1]) {}",
  },
  destructuring: {
    setup: "let s_$: number[] = [];",
    touch: "[s_$[0]] = [1];",
  },
  namedCallback: {
    setup:
      "const rows_$: number[][] = [[1]];\nfunction clear_$(r: number[]): void { r[0] = 0; }",
    touch: "rows_$.forEach(clear_$);",
  },
  inlineCallback: {
    setup: "const rows_$: number[][] = [[1]];",
    touch: "rows_$.forEach((r) => { r[0] = 0; });",
  },
  methodOnThis: {
    setup:
      "class Box_$ { v: number[] = [0]; put(): void { this.v = [1]; } }\nconst box_$ = new Box_$();",
    touch: "box_$.put();",
  },
  rowOfPrivateArray: {
    setup: "const m_$: number[][] = [[1]];",
    touch: "m_$[0]![0] = 2;",
  },
  unresolvableCall: {
    setup: "declare const hook_$: () => void;",
    touch: "hook_$();",
  },
  recursiveHelper: {
    setup:
      "let s_$: number[] = [];\nfunction rec_$(n: number): void { if (n > 0) rec_$(n - 1); else s_$[0] = 1; }",
    touch: "rec_$(2);",
  },
  overloadedHelper: {
    setup:
      "let s_$: number[] = [];\nfunction ov_$(a: number): void;\nfunction ov_$(a: number): void { s_$[0] = a; }",
    touch: "ov_$(1);",
  },
  parameterOfHelper: {
    setup:
      "let s_$: number[] = [];\nfunction first_$(a: number[]): void { a[0] = 1; }",
    touch: "first_$(s_$);",
  },
  exportedConst: {
    setup: "export const e_$: number[] = [0];",
    touch: "e_$[0] = 1;",
  },
  returnedConst: {
    setup:
      "const p_$: number[] = [0];\nexport const get_$ = (): number[] => p_$;",
    touch: "p_$[0] = 1;",
  },
  staticField: {
    setup: "class K_$ { static v: number[] = [0]; }",
    touch: "K_$.v[0] = 1;",
  },
  privateArrayTheFunctionReads: {
    setup: "const w_$: number[] = [1];",
    touch: "w_$[0] = 2;",
    read: "w_$[0]!",
  },
};

/** Writes that cannot reach anything the marked function reads. */
const harmless: Record<string, Case> = {
  freshLocal: { touch: "const t: number[] = [0, 0]; t[1] = 2; t.push(3);" },
  freshLet: { touch: "let t = new Float64Array(2); t[0] = 1;" },
  privateArray: {
    setup: "const h_$: number[] = [];",
    touch: "h_$.push(1); h_$[0] = 2; h_$.length = 0;",
  },
  privateObject: { setup: "const st_$ = { n: 0 };", touch: "st_$.n++;" },
  constructorThis: {
    setup: "class P_$ { v: number[]; constructor() { this.v = [0]; } }",
    touch: "new P_$();",
  },
  helperWritesFreshArgument: {
    setup: "function first_$(a: number[]): void { a[0] = 1; }",
    touch: "const t: number[] = [0]; first_$(t);",
  },
  libraryCalls: { touch: "Math.max(1, 2); JSON.stringify([1]);" },
  outerNumber: { setup: "let count_$ = 0;", touch: "count_$++;" },
};

function caseModule(name: string, { setup = "", touch, read = "1" }: Case) {
  const named = (code: string) => code.replace(/\$/g, name);
  return `${named(setup)}
function touch_${name}(): void {
  ${named(touch)}
}
/** @differentiable */
export function read_${name}(x: number[]): number {
  const y = x[0]! * x[0]!;
  touch_${name}();
  return y * x[0]! * ${named(read)};
}
`;
}

let flagged: Map<string, string>;

beforeAll(async () => {
  const source = [
    ...Object.entries(reaching).map(([name, c]) => caseModule(name, c)),
    ...Object.entries(harmless).map(([name, c]) => caseModule(name, c)),
    // A method call's receiver picks the method; it is not a read.
    `class Log { values: number[] = []; add(v: number): void { this.values.push(v); } }
const log = new Log();
/** @differentiable */
export function read_receiverOnly(x: number): number {
  log.add(1);
  return x * x;
}
`,
  ].join("\n");
  const dir = path.join(repoRoot, ".tmp/hidden-writes");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "cases.ts");
  fs.writeFileSync(file, source);
  const { diagnostics } = await transformedSource([file], file);
  flagged = new Map();
  for (const d of diagnostics) {
    const line = d.file!.getLineAndCharacterOfPosition(d.start!).line;
    const text = d.file!.text.split("\n")[line]!;
    const fn = /touch_(\w+)\(\)/.exec(text)?.[1];
    expect(fn, `diagnostic on '${text}'`).toBeDefined();
    expect(d.code, text).toBe(96018);
    flagged.set(fn!, String(d.messageText));
  }
}, 240_000);

describe("an unmarked call in a function that reads an array parameter", () => {
  it.each(Object.keys(reaching))("is rejected when it writes: %s", (name) => {
    expect(flagged.get(name)).toContain(`'touch_${name}' is not marked`);
  });

  it.each(Object.keys(harmless))("is accepted when it writes: %s", (name) => {
    expect(flagged.has(name)).toBe(false);
  });

  it("is accepted in a function that reads no array", () => {
    expect(flagged.has("receiverOnly")).toBe(false);
  });
});
