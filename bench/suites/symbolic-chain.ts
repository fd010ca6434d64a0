/**
 * Symbolic differentiation of the Euler chain with mathjs, k growing one
 * step at a time: the expression doubles with every step, and so does its
 * derivative. Each series (with and without simplification) stops when a
 * derivative takes over half the time limit (the next one takes at least
 * twice as long) or does not finish within the limit at all.
 */
import * as path from "node:path";
import { relativeDifference } from "../harness/compare.js";
import { DeadlineWorker } from "../harness/worker.js";
import { eulerChainDerivative } from "./euler-chain.js";
import type { ChainStepResult, MathjsTask } from "./mathjs-worker.js";

export interface SymbolicStep {
  readonly k: number;
  readonly simplify: boolean;
  /** Nodes of the chain's expression as a tree: 5 * 2^k - 4. */
  readonly expressionNodes: number;
  /** Set when the derivative did not finish within this many ms. */
  readonly timedOutMs?: number;
  readonly derivativeNodes?: number;
  /** Time of `derivative` (and simplification) in ms. */
  readonly deriveMs?: number;
  /** Time to evaluate the compiled derivative once, in ms. */
  readonly evaluateMs?: number;
  /** Relative difference from the hand-written derivative. */
  readonly difference?: number;
}

/** Time for the worker to start and load mathjs before the first step. */
const STARTUP_MS = 5000;

export async function symbolicChain(limitMs: number): Promise<SymbolicStep[]> {
  const steps: SymbolicStep[] = [];
  for (const simplify of [false, true]) {
    const task: MathjsTask = { task: "chain", simplify };
    const worker = new DeadlineWorker<ChainStepResult>(
      path.join(__dirname, "mathjs-worker.js"),
      task,
    );
    for (let k = 1; ; k++) {
      // The step also compiles, evaluates and counts the derivative.
      const wait = 4 * limitMs + (k === 1 ? STARTUP_MS : 0);
      const result = await worker.next(wait);
      const expressionNodes = 5 * 2 ** k - 4;
      if (result === "done") break;
      if (result === "timeout") {
        steps.push({ k, simplify, expressionNodes, timedOutMs: 4 * limitMs });
        break;
      }
      steps.push({
        k,
        simplify,
        expressionNodes,
        derivativeNodes: result.derivativeNodes,
        deriveMs: result.deriveMs,
        evaluateMs: result.evaluateMs,
        difference: relativeDifference(
          [result.value],
          [eulerChainDerivative(0.7, k)],
        ),
      });
      process.stderr.write(
        `  mathjs k = ${k}${simplify ? " (simplify)" : ""}: ${result.deriveMs.toFixed(1)} ms\n`,
      );
      if (result.deriveMs > limitMs / 2) break;
    }
    await worker.terminate();
  }
  return steps;
}
