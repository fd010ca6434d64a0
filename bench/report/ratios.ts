/**
 * The ratios of the results table, each row against the rows of the same
 * workload and size that return their result the same way: a method that
 * writes into a buffer is compared with the hand-written and tsad rows
 * that write into one, every other method with those that allocate.
 */
import type { Row } from "../harness/types.js";

export interface Baselines {
  readonly primal?: number;
  readonly hand: { fresh?: number; buffer?: number };
  readonly tsad: { fresh?: number; buffer?: number };
}

export const TSAD_GRAD = "tsad grad";
export const TSAD_GRAD_OUT = "tsad grad { out }";

function medianOf(rows: readonly Row[], test: (row: Row) => boolean) {
  return rows.find((row) => test(row) && row.status === "ok")?.medianMs;
}

/** The baselines of one workload and size. */
export function baselines(rows: readonly Row[]): Baselines {
  return {
    primal: medianOf(rows, (r) => r.family === "primal"),
    hand: {
      fresh: medianOf(
        rows,
        (r) => r.family === "hand" && r.allocation !== "buffer",
      ),
      buffer: medianOf(
        rows,
        (r) => r.family === "hand" && r.allocation === "buffer",
      ),
    },
    tsad: {
      fresh: medianOf(rows, (r) => r.method === TSAD_GRAD),
      buffer: medianOf(rows, (r) => r.method === TSAD_GRAD_OUT),
    },
  };
}

export interface Ratios {
  readonly toPrimal?: number;
  readonly toHand?: number;
  readonly toTsad?: number;
}

export function ratiosOf(row: Row, base: Baselines): Ratios {
  if (row.medianMs === undefined) return {};
  const way = row.allocation === "buffer" ? "buffer" : "fresh";
  const over = (denominator: number | undefined) =>
    denominator === undefined ? undefined : row.medianMs! / denominator;
  return {
    toPrimal: over(base.primal),
    toHand: over(base.hand[way]),
    toTsad: over(base.tsad[way]),
  };
}

/** Rows grouped by workload and size, in the order they came. */
export function groupBySize(rows: readonly Row[]): Row[][] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.suite}\u0000${row.size}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}

export interface Doubling {
  readonly k: number;
  readonly ms: number;
  readonly ratio: number;
}

/** time(k) / time(k/2) for each k whose half was also timed. */
export function doublingRatios(
  rows: readonly Row[],
  method: string,
): Doubling[] {
  const points = rows
    .filter((r) => r.method === method && r.status === "ok")
    .map((r) => ({ k: r.work, ms: r.medianMs! }));
  const out: Doubling[] = [];
  for (const point of points) {
    const half = points.find((p) => p.k * 2 === point.k);
    if (half !== undefined) out.push({ ...point, ratio: point.ms / half.ms });
  }
  return out;
}
