/**
 * Random programs compiled many to a module: compiling costs a TypeScript
 * program (most of a second), checking a program a few milliseconds.
 *
 * `BatchArbitrary` generates batches of programs; `checkBatch` compiles a
 * batch through the real transformer (support/compile.ts `emitTo`),
 * imports it, and checks each program (support/program-check.ts), in
 * order, recording the first that fails. A failing batch shrinks as that
 * program shrinks: fast-check's own shrinks, then program-simplify.ts's
 * (which drop statements and lift code out of loops where fast-check's
 * stop), SHRINK_BATCH candidates to a batch. fast-check keeps the first
 * candidate that fails, as it would trying them one at a time, for one
 * compile per step instead of one per candidate. */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import ts from "typescript";
import { emitTo, formatDiagnostic } from "./compile.js";
import { seededRandom } from "./numeric.js";
import { CheckFailure, checkFunction } from "./program-check.js";
import type { ProgramSpec } from "./program-generator.js";
import { renderProgram, type RenderedProgram } from "./program-render.js";
import { simplerPrograms } from "./program-simplify.js";

/** Shrink candidates compiled together. */
const SHRINK_BATCH = 20;

/** Programs compiled together, printed (in fast-check's report) as their source. */
export class ProgramBatch {
  readonly rendered: readonly RenderedProgram[];
  readonly source: string;

  constructor(readonly programs: readonly ProgramSpec[]) {
    this.rendered = programs.map((p, n) => renderProgram(p, `p${n}`));
    this.source = [
      ...this.rendered.map((r) => r.source),
      gradientRequests(this.rendered),
    ].join("\n");
  }

  [fc.toStringMethod](): string {
    const failing = firstFailure.get(this);
    const source =
      failing === undefined ? this.source : this.rendered[failing]!.source;
    return `\n${source}`;
  }
}

/**
 * Calls (never run) that ask the transformer for gradient-only adjoints
 * of every exported function returning a number, which the checks
 * compare with `f__vjp`: with respect to all parameters (the gradient the
 * checks take), the last one alone (forward mode when it is a number), and
 * all in reverse order with the value; and their second derivatives
 * (`hessian`), which the checks compare with the gradient's finite
 * differences. They come after every program, so diagnostics still map
 * to programs.
 */
function gradientRequests(rendered: readonly RenderedProgram[]): string {
  const calls = rendered.flatMap((r) =>
    r.functions.flatMap(({ name, exported, arity, returnsNumber }) => {
      if (!exported || arity === 0 || !returnsNumber) return [];
      const all = Array.from({ length: arity }, (_, i) => i);
      return [
        `requestGrad(${name}, [${all.join(", ")}])`,
        `requestGrad(${name}, ${arity - 1})`,
        `requestValueAndGrad(${name}, [${all.reverse().join(", ")}])`,
        `requestHessian(${name})`,
      ];
    }),
  );
  return [
    `import { grad as requestGrad, hessian as requestHessian, valueAndGrad as requestValueAndGrad } from "tsad";`,
    `export function requests() {`,
    `  return [${calls.join(",\n    ")}];`,
    `}`,
  ].join("\n");
}

/** For a batch that failed, its first failing program (checkBatch records it). */
const firstFailure = new WeakMap<ProgramBatch, number>();

/**
 * `size` programs at a time. A batch that failed as a whole (its module
 * did not load) shrinks to either half.
 */
export class BatchArbitrary extends fc.Arbitrary<ProgramBatch> {
  constructor(
    private readonly program: fc.Arbitrary<ProgramSpec>,
    private readonly size: number,
  ) {
    super();
  }

  generate(random: fc.Random, biasFactor: number | undefined) {
    const values = Array.from({ length: this.size }, () =>
      this.program.generate(random, biasFactor),
    );
    return batchValue(values);
  }

  canShrinkWithoutContext(value: unknown): value is ProgramBatch {
    return false;
  }

  shrink(
    batch: ProgramBatch,
    context: unknown,
  ): fc.Stream<fc.Value<ProgramBatch>> {
    const values = context as fc.Value<ProgramSpec>[];
    const failing =
      firstFailure.get(batch) ?? (values.length === 1 ? 0 : undefined);
    if (failing === undefined) {
      const half = Math.ceil(values.length / 2);
      return fc.Stream.of(
        batchValue(values.slice(0, half)),
        batchValue(values.slice(half)),
      );
    }
    const { value_: program, context: programContext } = values[failing]!;
    return new fc.Stream(
      inChunks(
        shrinkProgram(this.program, program, programContext),
        SHRINK_BATCH,
      ),
    );
  }
}

/** Marks a program made by simplerPrograms: fast-check cannot shrink it further. */
const SIMPLIFIED = Symbol("simplified");

/** fast-check's shrinks of `program` while it has them, then simplerPrograms'. */
function* shrinkProgram(
  arbitrary: fc.Arbitrary<ProgramSpec>,
  program: ProgramSpec,
  context: unknown,
): Generator<fc.Value<ProgramSpec>> {
  if (context !== SIMPLIFIED) yield* arbitrary.shrink(program, context);
  for (const simpler of simplerPrograms(program)) {
    yield new fc.Value(simpler, SIMPLIFIED);
  }
}

function* inChunks(
  values: Iterable<fc.Value<ProgramSpec>>,
  size: number,
): Generator<fc.Value<ProgramBatch>> {
  let chunk: fc.Value<ProgramSpec>[] = [];
  for (const value of values) {
    chunk.push(value);
    if (chunk.length === size) {
      yield batchValue(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) yield batchValue(chunk);
}

function batchValue(values: fc.Value<ProgramSpec>[]): fc.Value<ProgramBatch> {
  return new fc.Value(new ProgramBatch(values.map((v) => v.value_)), values);
}

export interface Totals {
  programs: number;
  functions: number;
  /** Functions with an array result. */
  vectors: number;
  points: number;
  /** Points where second derivatives were checked too. */
  secondOrder: number;
  /** Points drawn again: `f` not finite, or a kink nearby. */
  skipped: number;
  /** Points where `f` threw, and each derivative the same. */
  threw: number;
  /**
   * Functions with no point where finite differences could be trusted,
   * nor one where they threw.
   */
  unchecked: number;
  compileMs: number;
}

export const newTotals = (): Totals => ({
  programs: 0,
  functions: 0,
  vectors: 0,
  points: 0,
  secondOrder: 0,
  skipped: 0,
  threw: 0,
  unchecked: 0,
  compileMs: 0,
});

export interface ProgramFailure {
  /** The program's index in its batch. */
  readonly index: number;
  /** What went wrong, then the program's source. */
  readonly message: string;
}

/**
 * Compiles `batch` into `dir` as one module and checks its programs in
 * order, up to the first failure, or all of them with `{ all: true }`.
 */
export async function checkPrograms(
  batch: ProgramBatch,
  dir: string,
  totals: Totals,
  { all = false } = {},
): Promise<ProgramFailure[]> {
  const input = path.join(dir, "input.ts");
  const output = path.join(dir, "out/input.js");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(input, batch.source);
  const started = performance.now();
  const diagnostics = emitTo([input], path.dirname(output));
  totals.compileMs += performance.now() - started;
  guardLoops(output);
  const diagnosed = diagnosticsByProgram(batch, diagnostics);
  const module: Record<string, unknown> = await import(
    pathToFileURL(output).href
  );
  const failures: ProgramFailure[] = [];
  for (const [index, program] of batch.rendered.entries()) {
    const problem = checkProgram(
      program,
      batch.programs[index]!.seed,
      diagnosed.get(index),
      module,
      totals,
    );
    if (problem === null) continue;
    failures.push({
      index,
      message: `${problem}\nin the program (${input}, compiled to ${output}):\n\n${program.source}`,
    });
    if (!all) break;
  }
  return failures;
}

/** Loop iterations the checks at one point may run: more is a hang. */
export const LOOP_LIMIT = 1e8;

/**
 * Counts loop iterations in the emitted JavaScript, so that a derivative
 * that never stops fails its check instead of hanging the test run:
 *
 *   while (true) {    ->   while (true) { if (++globalThis.tsadLoopGuard > LOOP_LIMIT) throw ...
 *
 * checkFunction (program-check.ts) resets the count at each point.
 */
function guardLoops(file: string) {
  const text = fs.readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const guard =
    ` if (++globalThis.tsadLoopGuard > ${LOOP_LIMIT}) ` +
    `throw new Error("more than ${LOOP_LIMIT} loop iterations: does a loop never end?");`;
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      if (ts.isBlock(body)) {
        inserts.push({ at: body.getStart(source) + 1, text: guard });
      } else {
        inserts.push({ at: body.getStart(source), text: `{${guard} ` });
        inserts.push({ at: body.end, text: " }" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let guarded = text;
  for (const insert of inserts.sort((a, b) => b.at - a.at)) {
    guarded =
      guarded.slice(0, insert.at) + insert.text + guarded.slice(insert.at);
  }
  fs.writeFileSync(file, guarded);
}

/**
 * A property for fast-check: throws on the batch's first failing program.
 * With `only`, only failures whose message it matches count, to shrink one
 * bug while others are still open.
 */
export function checkBatch(
  outRoot: string,
  totals: Totals,
  only?: RegExp,
): (batch: ProgramBatch) => Promise<void> {
  let compiled = 0;
  return async (batch) => {
    const dir = path.join(outRoot, String(compiled++));
    const failures = await checkPrograms(batch, dir, totals, {
      all: only !== undefined,
    });
    const failure = failures.find((f) => only?.test(f.message) ?? true);
    if (failure === undefined) return;
    firstFailure.set(batch, failure.index);
    throw new Error(failure.message);
  };
}

/** What is wrong with one program, or null. */
function checkProgram(
  program: RenderedProgram,
  seed: number,
  diagnostics: readonly ts.Diagnostic[] | undefined,
  module: Record<string, unknown>,
  totals: Totals,
): string | null {
  if (diagnostics !== undefined) {
    return `diagnostics on a valid program:\n${diagnostics.map(formatDiagnostic).join("\n")}`;
  }
  totals.programs++;
  const random = seededRandom(seed);
  for (const { name, exported } of program.functions) {
    if (!exported) continue;
    totals.functions++;
    const f = module[name] as Parameters<typeof checkFunction>[1];
    try {
      const { checked, skipped, threw, secondOrder, vector } = checkFunction(
        name,
        f,
        random,
      );
      if (vector) totals.vectors++;
      totals.points += checked;
      totals.secondOrder += secondOrder;
      totals.skipped += skipped;
      totals.threw += threw;
      // One that threw wherever it was drawn was checked for that.
      if (checked === 0 && threw === 0) totals.unchecked++;
    } catch (error) {
      if (error instanceof CheckFailure) return error.message;
      const thrown =
        error instanceof Error ? (error.stack ?? error.message) : String(error);
      return `crash: ${thrown}`;
    }
  }
  return null;
}

/** The diagnostics of each program of the batch, by where they start. */
function diagnosticsByProgram(
  batch: ProgramBatch,
  diagnostics: readonly ts.Diagnostic[],
): Map<number, ts.Diagnostic[]> {
  const starts: number[] = [];
  let offset = 0;
  for (const r of batch.rendered) {
    starts.push(offset);
    offset += r.source.length + 1;
  }
  const byProgram = new Map<number, ts.Diagnostic[]>();
  for (const d of diagnostics) {
    const n = starts.filter((s) => s <= (d.start ?? 0)).length - 1;
    byProgram.set(n, [...(byProgram.get(n) ?? []), d]);
  }
  return byProgram;
}
