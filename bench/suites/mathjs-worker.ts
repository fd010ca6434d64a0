/**
 * Runs mathjs's `derivative` in a worker thread, so that the benchmark can
 * give up on one that takes too long (a synchronous call cannot be
 * interrupted; a worker can be terminated). Posts one message per result.
 *
 *   { task: "chain", simplify }: k = 1, 2, ... until terminated or k = 30,
 *     posting { k, derivativeNodes, deriveMs, evaluateMs, value } per k
 *   { task: "black-scholes", simplify }: posts { deriveMs } once
 */
import { parentPort, workerData } from "node:worker_threads";
import { chainExpression, deriveCallPrice, treeSize } from "./expressions.js";
import * as math from "mathjs";

export type MathjsTask = {
  readonly task: "chain" | "black-scholes";
  readonly simplify: boolean;
};

export interface ChainStepResult {
  readonly k: number;
  readonly derivativeNodes: number;
  readonly deriveMs: number;
  readonly evaluateMs: number;
  readonly value: number;
}

const { task, simplify } = workerData as MathjsTask;
if (task === "black-scholes") {
  const start = performance.now();
  deriveCallPrice(simplify);
  parentPort!.postMessage({ deriveMs: performance.now() - start });
} else {
  for (let k = 1; k <= 30; k++) {
    const start = performance.now();
    const derivative = math.derivative(chainExpression(k), "x", { simplify });
    const deriveMs = performance.now() - start;
    const compiled = derivative.compile();
    const evaluateStart = performance.now();
    const value = compiled.evaluate({ x: 0.7 }) as number;
    const evaluateMs = performance.now() - evaluateStart;
    const result: ChainStepResult = {
      k,
      derivativeNodes: treeSize(derivative),
      deriveMs,
      evaluateMs,
      value,
    };
    parentPort!.postMessage(result);
  }
}
