/**
 * The vocabulary of the benchmark: a suite (one workload) prepares a case
 * per size, a case lists the methods that compute its gradient, and the
 * measurer checks every method against the hand-written gradient before
 * timing it.
 */
import type { Libraries } from "./libraries.js";
import type { MeasureOptions } from "./measure.js";

/** Which kind of method a row is; decides its tolerance and its ratios. */
export type Family =
  "primal" | "tsad" | "hand" | "tfjs" | "jax" | "dual" | "fd" | "symbolic";

/**
 * How a method returns an array gradient: a new array per call, or written
 * into a buffer the caller owns. Ratios compare like with like.
 */
export type Allocation = "fresh" | "buffer";

export interface Method {
  /** The row's name in the table: "tsad grad", "hand-written { out }", ... */
  readonly name: string;
  readonly family: Family;
  readonly allocation?: Allocation;
  /** The timed call: one gradient (the value, for the primal). */
  readonly run: () => unknown;
  /**
   * For a method that makes one pass per input (forward mode, dual numbers,
   * finite differences): the number of passes and one pass, so its time can
   * be estimated before a full gradient is attempted.
   */
  readonly passes?: { readonly count: number; readonly one: () => unknown };
  /** Why the method does not run at this size, if it does not. */
  readonly skip?: string;
  /** A remark printed under the table (what the method does differently). */
  readonly note?: string;
}

export interface Case {
  /** "d = 1e4", "k = 1e6", "N = 500" */
  readonly size: string;
  /** Proportional to the primal's cost: projects a method's time to the next size. */
  readonly work: number;
  readonly methods: readonly Method[];
  /** Frees what the case allocated outside the JavaScript heap (tensors). */
  readonly dispose?: () => void;
}

export interface Suite {
  readonly name: string;
  readonly title: string;
  /** The sizes to run, fewer and smaller with `quick`. */
  readonly sizes: (quick: boolean) => readonly number[];
  readonly prepare: (
    size: number,
    libraries: Libraries,
    options: MeasureOptions,
  ) => Case | Promise<Case>;
  /**
   * When tsad cannot differentiate the workload (not compiled, or a wrong
   * gradient), report that and time nothing: there is no tsad row to
   * compare the others with.
   */
  readonly needsTsad?: boolean;
  /**
   * Scalar code (no array parameter): tfjs runs it as a chain of tiny
   * tensor operations, and the target is tsad 10x faster than tfjs.
   */
  readonly scalar?: boolean;
}

/** One row of the results table. */
export interface Row {
  readonly suite: string;
  readonly title: string;
  readonly size: string;
  readonly work: number;
  readonly method: string;
  readonly family: Family;
  readonly allocation?: Allocation;
  readonly status: "ok" | "skipped" | "failed" | "unsupported";
  /** Median time of one call in milliseconds (status "ok"). */
  readonly medianMs?: number;
  readonly samples?: number;
  /** Normwise relative difference from the hand-written gradient. */
  readonly difference?: number;
  /** Peak number of values on tsad's value stack during one gradient. */
  readonly stackPeak?: number;
  readonly note?: string;
}

/** What one suite's process reports back. */
export interface SuiteReport {
  readonly suite: string;
  readonly title: string;
  readonly scalar?: boolean;
  readonly rows: Row[];
  /** Capacity (in values) of tsad's value stack when the suite ends. */
  readonly stackCapacity: number;
  /** Extra tables a suite produces (the symbolic blow-up). */
  readonly extra?: unknown;
}
