/**
 * Jumps the way people write them, generated at random (seeded, the same
 * every run): `switch`es with fall-through, repeated labels, `default`
 * anywhere, `break` and `return` inside cases; loop nests of every kind
 * with labelled and plain `break`/`continue`, labelled blocks and
 * `return`. Every function is compiled in one module and checked at
 * several points: the tangent function's value is the function's own to
 * the last bit (so the lowering took the same path), forward and reverse
 * mode agree, and both agree with finite differences where the function
 * is smooth.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { grad, jvp } from "../runtime/index.js";
import { emitTo, formatDiagnostic, repoRoot } from "./support/compile.js";
import { centralDifference, close, seededRandom } from "./support/numeric.js";

const FUNCTIONS = 40;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
const constant = (random: Random) => (random() * 3 - 1).toFixed(2);

/** `(x: number, m: number)`: a `switch (m)` over labels 0..3, some repeated. */
function randomSwitch(random: Random, name: string): string {
  const count = 2 + Math.floor(random() * 5);
  const defaultAt = random() < 0.75 ? Math.floor(random() * count) : -1;
  const clauses = Array.from({ length: count }, (_, k) => {
    const label =
      k === defaultAt ? "default:" : `case ${Math.floor(random() * 4)}:`;
    const body = Array.from({ length: Math.floor(random() * 3) }, () =>
      pick(random, [
        `s = s * ${constant(random)} + x;`,
        `s = Math.sin(s) + ${constant(random)};`,
        `if (s > ${constant(random)}) break;`,
        `if (s < ${constant(random)}) return s * x;`,
      ]),
    );
    const end = random();
    if (end < 0.4) body.push("break;");
    else if (end < 0.5) body.push(`return s + ${constant(random)};`);
    return `    ${label}\n${body.map((s) => `      ${s}\n`).join("")}`;
  });
  return `
/** @differentiable */
export function ${name}(x: number, m: number): number {
  let s = x;
  switch (m) {
${clauses.join("")}  }
  return s * x + 1;
}
`;
}

/**
 * `(x: number[], c: number)`: loops and labelled blocks nested up to
 * three deep, jumping around.
 */
function randomLoops(random: Random, name: string): string {
  let fresh = 0;
  type Target = { label?: string; loop: boolean };
  /** `depth`: loops around (names their elements `v1`, `v2`, ...); `nest`: loops and blocks. */
  const block = (
    depth: number,
    nest: number,
    targets: Target[],
    indent: string,
  ): string => {
    const lines: string[] = [];
    const v = depth === 0 ? "c" : `v${depth}`;
    const count = 2 + Math.floor(random() * 2);
    for (let k = 0; k < count; k++) {
      const choice = nest === 0 && k === 0 ? 0 : random();
      if (choice < 0.3 && nest < 3) {
        lines.push(loop(depth + 1, nest + 1, targets, indent));
      } else if (choice < 0.5) {
        lines.push(
          pick(random, [
            `s = s * 0.8 + ${v} * c;`,
            `s += Math.sin(${v} * c);`,
            `s -= 0.1 * s * ${v};`,
          ]),
        );
      } else if (choice < 0.85) {
        const jump = randomJump(targets);
        if (jump) lines.push(`if (s > ${constant(random)}) ${jump};`);
      } else if (choice < 0.92) {
        lines.push(`if (${v} * c < ${constant(random)}) return s * c;`);
      } else if (nest < 3) {
        const label = `B${fresh++}`;
        const inner = [...targets, { label, loop: false }];
        const body = block(depth, nest + 1, inner, indent + "  ");
        lines.push(`${label}: {\n${body}${indent}}`);
      }
    }
    return lines.map((line) => `${indent}${line}\n`).join("");
  };
  const randomJump = (targets: Target[]): string | undefined => {
    const choices: string[] = [];
    if (targets.some((t) => t.loop)) choices.push("break", "continue");
    for (const t of targets) {
      if (t.label === undefined) continue;
      choices.push(`break ${t.label}`);
      if (t.loop) choices.push(`continue ${t.label}`);
    }
    return choices.length > 0 ? pick(random, choices) : undefined;
  };
  const loop = (
    depth: number,
    nest: number,
    targets: Target[],
    indent: string,
  ): string => {
    const n = fresh++;
    const label = random() < 0.7 ? `L${n}` : undefined;
    const inner = [...targets, { label, loop: true }];
    const body = (lead: string) =>
      `${indent}  ${lead}\n${block(depth, nest, inner, indent + "  ")}`;
    const element = `const v${depth} = x[k${n} % x.length]!;`;
    const head = label ? `${label}: ` : "";
    // Every loop runs at most three times, `continue` or not.
    switch (pick(random, ["for", "for-of", "while", "do"])) {
      case "for":
        return `${head}for (let k${n} = 0; k${n} < 3; k${n}++) {\n${body(element)}${indent}}`;
      case "for-of":
        return `${head}for (const v${depth} of x) {\n${body("")}${indent}}`;
      case "while":
        return `let k${n} = 0;\n${indent}${head}while (k${n} < 3) {\n${body(`k${n}++; ${element}`)}${indent}}`;
      default:
        return `let k${n} = 0;\n${indent}${head}do {\n${body(`k${n}++; ${element}`)}${indent}} while (k${n} < 3);`;
    }
  };
  return `
/** @differentiable */
export function ${name}(x: number[], c: number): number {
  let s = c;
${block(0, 0, [], "  ")}  return s;
}
`;
}

type Fn = (...args: (number | number[])[]) => number;

async function compile(
  name: string,
  source: string,
): Promise<Record<string, Fn>> {
  const dir = path.join(repoRoot, ".tmp/control-flow", name);
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, "input.ts");
  fs.writeFileSync(input, source);
  expect(emitTo([input], path.join(dir, "out")).map(formatDiagnostic)).toEqual(
    [],
  );
  return import(pathToFileURL(path.join(dir, "out/input.js")).href);
}

/** The checks in the header, for one function at one point; `active`: the arguments to differentiate. */
function checkPoint(f: Fn, args: (number | number[])[], active: number[]) {
  const where = `${f.name}(${JSON.stringify(args)})`;
  const value = f(...args);
  const flat = active.flatMap((a) => {
    const arg = args[a]!;
    return typeof arg === "number"
      ? [{ a, e: -1 }]
      : arg.map((_, e) => ({ a, e }));
  });
  const gradient = grad(f as never, active as never)(...(args as never[])) as (
    number | number[]
  )[];
  for (const { a, e } of flat) {
    const at = (v: number) =>
      args.map((arg, i) =>
        i !== a
          ? arg
          : e < 0
            ? v
            : (arg as number[]).map((w, j) => (j === e ? v : w)),
      );
    const tangents = args.map((arg, i) =>
      typeof arg === "number"
        ? Number(i === a && e < 0)
        : arg.map((_, j) => Number(i === a && j === e)),
    );
    const [primal, forward] = jvp(
      f as never,
      args as never,
      tangents as never,
    ) as [number, number];
    expect(
      Object.is(primal, value),
      `value of ${where}: ${primal} vs ${value}`,
    ).toBe(true);
    const g = gradient[active.indexOf(a)]!;
    const reverse = e < 0 ? (g as number) : (g as number[])[e]!;
    const label = `argument ${a}${e < 0 ? "" : `[${e}]`} of ${where}`;
    expect(
      close(forward, reverse, 1e-9, 1e-12),
      `forward ${forward} vs reverse ${reverse}, ${label}`,
    ).toBe(true);
    const x0 = e < 0 ? (args[a] as number) : (args[a] as number[])[e]!;
    const g1 = centralDifference((v) => f(...at(v)), x0);
    const g2 = (f(...at(x0 + 1e-4)) - f(...at(x0 - 1e-4))) / 2e-4;
    // Finite differences mean something only where f is smooth near x0.
    if (close(g1, g2, 1e-3, 1e-5)) {
      expect(
        close(reverse, g1, 1e-5, 1e-6),
        `reverse ${reverse} vs finite differences ${g1}, ${label}`,
      ).toBe(true);
    }
  }
}

describe("random jumps", () => {
  it(`${FUNCTIONS} switch statements run as written`, async () => {
    const random = seededRandom(2024);
    const names = Array.from({ length: FUNCTIONS }, (_, k) => `switch${k}`);
    const module = await compile(
      "switch",
      names.map((name) => randomSwitch(random, name)).join(""),
    );
    for (const name of names) {
      for (const m of [-1, 0, 1, 2, 3, 4])
        for (const x of [-1.7, -0.45, 0.3, 0.95, 1.6])
          checkPoint(module[name]!, [x, m], [0]);
    }
  }, 300_000);

  it(`${FUNCTIONS} loop nests run as written`, async () => {
    const random = seededRandom(7);
    const names = Array.from({ length: FUNCTIONS }, (_, k) => `loops${k}`);
    const module = await compile(
      "loops",
      names.map((name) => randomLoops(random, name)).join(""),
    );
    for (const name of names) {
      for (let p = 0; p < 4; p++) {
        const x = Array.from({ length: 2 + p }, () => random() * 3 - 1.5);
        checkPoint(module[name]!, [x, random() * 2 - 1], [0, 1]);
      }
    }
  }, 300_000);
});
