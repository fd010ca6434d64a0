/**
 * Random-program testing (issue 4): random differentiable programs
 * (support/program-generator.ts, rendered by support/program-render.ts),
 * compiled through the real transformer in-process, many to a module
 * (support/program-batch.ts), must compile with no diagnostics and pass
 * the numeric checks of support/program-check.ts: forward mode equals
 * reverse mode, both equal finite differences, the dot-product identity
 * holds. A failure shrinks to a minimal program, printed with what went
 * wrong.
 *
 * The same programs every run: a seed replays a run, shrinking included
 * (fast-check's `path` does not, as shrinking learns from each compile
 * which program failed). To try other programs:
 *   TSAD_RANDOM_SEED=123 npx vitest run test/random-programs.test.ts
 *   TSAD_RANDOM_RUNS=100 TSAD_RANDOM_BATCH=50 ...   (more programs)
 *   TSAD_RANDOM_ONLY="ReferenceError" ...           (only failures matching
 *                                                   count: shrink one bug)
 *   TSAD_RANDOM_NOSHRINK=1 ...                      (stop at the first
 *                                                   failure, unshrunk)
 * Compiled programs are kept under .tmp/random/<n>/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { repoRoot } from "./support/compile.js";
import {
  BatchArbitrary,
  checkBatch,
  newTotals,
} from "./support/program-batch.js";
import { programArbitrary } from "./support/program-generator.js";

const SEED = Number(process.env.TSAD_RANDOM_SEED ?? 4);
/** Modules compiled, each with BATCH programs. */
const RUNS = Number(process.env.TSAD_RANDOM_RUNS ?? 25);
const BATCH = Number(process.env.TSAD_RANDOM_BATCH ?? 40);
const ONLY = process.env.TSAD_RANDOM_ONLY;
/** Stop at the first failing batch, printing its first failure unshrunk. */
const NO_SHRINK = process.env.TSAD_RANDOM_NOSHRINK !== undefined;

const outRoot = path.join(repoRoot, ".tmp/random");

it(
  `${RUNS * BATCH} random programs compile and differentiate correctly`,
  async () => {
    fs.rmSync(outRoot, { recursive: true, force: true });
    const totals = newTotals();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        new BatchArbitrary(programArbitrary, BATCH),
        checkBatch(
          outRoot,
          totals,
          ONLY === undefined ? undefined : new RegExp(ONLY),
        ),
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: NO_SHRINK },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `random programs (seed ${SEED}): ${totals.programs} programs, ` +
        `${totals.functions} functions (${totals.vectors} with array results) ` +
        `checked at ${totals.points} points (${totals.secondOrder} of them ` +
        `for second derivatives too) ` +
        `(${totals.skipped} points near kinks drawn again, ${totals.threw} ` +
        `where a function and its derivatives threw the same, ${totals.unchecked} ` +
        `functions without a smooth point) in ${seconds.toFixed(1)} s, ` +
        `${(totals.compileMs / 1000).toFixed(1)} s of it compiling`,
    );
    // Nearly every function is checked somewhere, or the generator drifted into kinks.
    expect(totals.unchecked).toBeLessThan(0.02 * totals.functions);
    // Second derivatives, asked of every function returning a number (over
    // half of them), are checked at most of their points.
    expect(totals.secondOrder).toBeGreaterThan(0.4 * totals.points);
  },
  // Each program's gradient-only adjoints are compiled too: on a loaded
  // machine a run may take over 15 minutes.
  30 * 60_000,
);
