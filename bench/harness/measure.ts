/**
 * Measures one suite, size after size: every method is first run once and
 * checked against the hand-written gradient, then the methods that agree
 * are timed with tinybench (median of the samples). A method whose one
 * gradient would take longer than the limit (estimated from one pass, or
 * projected from the previous size) is skipped and the row says why.
 */
import { Bench, type TimestampProvider } from "tinybench";
import { stack, TsadError } from "tsad";
import { flatten, relativeDifference } from "./compare.js";
import { formatMs } from "./format.js";
import type { Libraries } from "./libraries.js";
import type { Case, Family, Method, Row, Suite, SuiteReport } from "./types.js";
import { withStackPeak } from "./value-stack.js";

export interface MeasureOptions {
  readonly quick: boolean;
  /** Skip a method whose one gradient is expected to take longer (ms). */
  readonly limitMs: number;
  /** tinybench's time budget per method (ms). */
  readonly timeMs: number;
  /**
   * "wall": performance.now(). "cpu": this process's CPU time, which other
   * processes on a shared machine do not inflate (microsecond resolution).
   */
  readonly clock: "wall" | "cpu";
}

const cpuClock: TimestampProvider = {
  name: "process.cpuUsage",
  fn: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  fromMs: (ms) => ms,
  toMs: (value) => Number(value),
};

/**
 * Normwise relative difference allowed from the hand-written gradient:
 * float64 methods agree to rounding, finite differences to their
 * truncation error, tfjs (float32) and jax-js (see below) to single
 * precision.
 */
const TOLERANCE: Record<Family, number> = {
  primal: Infinity,
  tsad: 1e-9,
  hand: 1e-9,
  dual: 1e-9,
  // jax-js's jit computes exp, log and sin, and rounds literal constants,
  // in float32 precision even on float64 arrays.
  jax: 1e-5,
  symbolic: 1e-9,
  fd: 1e-4,
  tfjs: 3e-3,
};

/** A tsad method, or an "unsupported" one if the runtime refuses the function. */
export function tsadMethod(
  name: string,
  make: () => () => unknown,
  details: Partial<Method> = {},
): Method {
  try {
    return { name, family: "tsad", ...details, run: make() };
  } catch (error) {
    if (!(error instanceof TsadError)) throw error;
    return {
      name,
      family: "tsad",
      ...details,
      run: () => undefined,
      skip: `unsupported: ${error.message}`,
    };
  }
}

interface Probe {
  readonly method: Method;
  readonly ms: number;
  readonly difference?: number;
}

/** What happened to a method at an earlier size, for projecting or stopping. */
interface History {
  readonly work: number;
  readonly ms?: number;
  readonly stopped?: string;
}

/** Passes over the fast methods, in different orders (see measureCase). */
const PASSES = 4;

/** Keeps results observable so no engine can drop a timed call as dead code. */
let sink: unknown;

export async function measureSuite(
  suite: Suite,
  libraries: Libraries,
  options: MeasureOptions,
): Promise<SuiteReport> {
  const measured: { testCase: Case; rows: Row[] }[] = [];
  const history = new Map<string, History>();
  try {
    for (const size of suite.sizes(options.quick)) {
      const testCase = await suite.prepare(size, libraries, options);
      measured.push({ testCase, rows: [] });
      measured.at(-1)!.rows = measureCase(suite, testCase, history, options);
    }
    return {
      suite: suite.name,
      title: suite.title,
      ...(suite.scalar && { scalar: true }),
      rows: measured.flatMap(({ testCase, rows }) =>
        withStackPeaks(testCase, rows),
      ),
      stackCapacity: stack.capacity,
    };
  } finally {
    for (const { testCase } of measured) testCase.dispose?.();
  }
}

/**
 * The value stack's peak during one reverse-mode gradient, for each tsad
 * row that was timed. This runs after every size of the suite is timed:
 * wrapping the stack's `push` makes the generated code's calls to it
 * polymorphic, which would slow the timed runs after it.
 */
function withStackPeaks(testCase: Case, rows: readonly Row[]): Row[] {
  return rows.map((row) => {
    const method = testCase.methods.find((m) => m.name === row.method);
    if (
      method === undefined ||
      method.family !== "tsad" ||
      method.passes !== undefined ||
      row.status !== "ok"
    ) {
      return row;
    }
    return { ...row, stackPeak: withStackPeak(method.run).peak };
  });
}

function measureCase(
  suite: Suite,
  testCase: Case,
  history: Map<string, History>,
  options: MeasureOptions,
): Row[] {
  const rowOf = (method: Method, fields: Partial<Row>): Row => ({
    suite: suite.name,
    title: suite.title,
    size: testCase.size,
    work: testCase.work,
    method: method.name,
    family: method.family,
    ...(method.allocation && { allocation: method.allocation }),
    status: "ok",
    ...(method.note && { note: method.note }),
    ...fields,
  });
  const reference = testCase.methods.find(
    (m) => m.family === "hand" && m.allocation !== "buffer",
  );
  if (reference === undefined) {
    throw new Error(`${suite.name}: no hand-written gradient to check against`);
  }
  const expected = flatten(reference.run());
  log(`${suite.name} ${testCase.size}`);

  // Phase 1: run each method once and check it.
  const rows = new Map<Method, Row>();
  const probes: Probe[] = [];
  for (const method of testCase.methods) {
    const stopped = whyNotRun(method, testCase, history, options);
    if (stopped !== undefined) {
      rows.set(method, rowOf(method, stopped));
      continue;
    }
    try {
      const start = performance.now();
      const result = method.run();
      const ms = performance.now() - start;
      if (method.family === "primal") {
        probes.push({ method, ms });
        continue;
      }
      const difference = relativeDifference(flatten(result), expected);
      const tolerance = TOLERANCE[method.family];
      if (!(difference <= tolerance)) {
        history.set(method.name, { work: testCase.work, stopped: "failed" });
        rows.set(
          method,
          rowOf(method, {
            status: "failed",
            difference,
            note: `wrong gradient: differs from the hand-written one by ${difference.toExponential(1)} (tolerance ${tolerance})`,
          }),
        );
        continue;
      }
      probes.push({ method, ms, difference });
    } catch (error) {
      history.set(method.name, { work: testCase.work, stopped: "failed" });
      rows.set(
        method,
        rowOf(method, { status: "failed", note: firstLine(error) }),
      );
    }
  }

  const tsadFailed = testCase.methods.some((m) => {
    const status = m.family === "tsad" ? rows.get(m)?.status : undefined;
    return status === "failed" || status === "unsupported";
  });
  // Phase 2: time what passed. A fast method is timed in four passes, each
  // for a quarter of the budget, the list rotated by a quarter more each
  // time and every other pass reversed, and keeps the lowest median: on
  // small workloads that allocate, what a method pays for an allocation
  // depends on the methods timed before it (Rosenbrock at d = 100: the
  // same gradient took 0.5 us or 5 us, as fresh pages of the young
  // generation or of malloc's heap faulted in under it, or not), which
  // would make the order of the list decide the ratio.
  const timed = new Map<Method, { medianMs: number; samples: number }>();
  const timeAll = (pass: readonly Probe[], share: number) => {
    for (const { method, ms } of pass) {
      if (suite.needsTsad && tsadFailed) return;
      if (share < 1 && isSlow(ms, options)) continue;
      const { medianMs, samples } = time(method, ms, options, share);
      const before = timed.get(method);
      timed.set(method, {
        medianMs: Math.min(medianMs, before?.medianMs ?? Infinity),
        samples: samples + (before?.samples ?? 0),
      });
    }
  };
  for (let pass = 0; pass < PASSES; pass++) {
    const start = Math.round((pass * probes.length) / PASSES);
    const rotated = [...probes.slice(start), ...probes.slice(0, start)];
    timeAll(pass % 2 === 0 ? rotated : rotated.reverse(), 1 / PASSES);
  }
  timeAll(
    probes.filter((p) => isSlow(p.ms, options)),
    1,
  );
  for (const probe of probes) {
    const { method } = probe;
    if (suite.needsTsad && tsadFailed) {
      rows.set(
        method,
        rowOf(method, {
          status: "skipped",
          difference: probe.difference,
          note: "not timed: tsad cannot differentiate this workload yet",
        }),
      );
      continue;
    }
    const { medianMs, samples } = timed.get(method)!;
    history.set(method.name, { work: testCase.work, ms: medianMs });
    log(`  ${method.name}: ${formatMs(medianMs)}`);
    rows.set(
      method,
      rowOf(method, {
        medianMs,
        samples,
        ...(probe.difference !== undefined && { difference: probe.difference }),
      }),
    );
  }
  const result = testCase.methods.map((m) => rows.get(m)!);
  for (const row of result) {
    if (row.status !== "ok")
      log(`  ${row.method}: ${row.status}: ${row.note ?? ""}`);
  }
  return result;
}

/** The reason not to run `method` at this size, or undefined to run it. */
function whyNotRun(
  method: Method,
  testCase: Case,
  history: Map<string, History>,
  options: MeasureOptions,
): Partial<Row> | undefined {
  if (method.skip !== undefined) {
    const unsupported = method.skip.startsWith("unsupported: ");
    return {
      status: unsupported ? "unsupported" : "skipped",
      note: unsupported
        ? method.skip.slice("unsupported: ".length)
        : method.skip,
    };
  }
  const before = history.get(method.name);
  if (before?.stopped !== undefined) {
    return {
      status: "skipped",
      note: `not run: ${before.stopped} at a smaller size`,
    };
  }
  let estimateMs: number | undefined;
  let how = "";
  if (method.passes !== undefined) {
    method.passes.one();
    const start = performance.now();
    method.passes.one();
    const passMs = performance.now() - start;
    estimateMs = passMs * method.passes.count;
    how = `${method.passes.count} passes x ${formatMs(passMs)}`;
  } else if (before?.ms !== undefined) {
    estimateMs = (before.ms * testCase.work) / before.work;
    how = "projected from the previous size";
  }
  if (estimateMs !== undefined && estimateMs > options.limitMs) {
    history.set(method.name, { work: testCase.work, stopped: "too slow" });
    return {
      status: "skipped",
      note: `too slow: about ${formatMs(estimateMs)} per gradient (${how})`,
    };
  }
  return undefined;
}

/** Slow calls get a fixed few samples; fast ones fill the time budget. */
const isSlow = (probeMs: number, options: MeasureOptions) =>
  probeMs > options.timeMs / 4;

/** Times `method` for `share` of the time budget (a slow one: for a few calls). */
function time(
  method: Method,
  probeMs: number,
  options: MeasureOptions,
  share: number,
): { medianMs: number; samples: number } {
  const slow = isSlow(probeMs, options);
  const timeMs = options.timeMs * share;
  // Calls far below the timer's overhead run in batches of `batch` calls
  // per sample, and the sample is divided by `batch`.
  const batch = slow
    ? 1
    : batchSize(method.run, options.clock === "cpu" ? 0.2 : 0.02);
  const bench = new Bench({
    ...(options.clock === "cpu" && { timestampProvider: cpuClock }),
    throws: true,
    time: slow ? 0 : timeMs,
    iterations: slow ? (options.quick ? 2 : 5) : 10,
    warmupTime: slow ? 0 : timeMs / 4,
    warmupIterations: slow ? 1 : 10,
  });
  const run = method.run;
  bench.add(
    method.name,
    batch === 1
      ? () => {
          sink = run();
        }
      : () => {
          for (let i = 0; i < batch; i++) sink = run();
        },
  );
  // Start each method from a collected heap, so that it does not pay for
  // the garbage of the method timed before it (main.ts passes --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  bench.runSync();
  const result = bench.tasks[0]!.result;
  if (result.state !== "completed") {
    throw new Error(`${method.name}: tinybench ended in state ${result.state}`);
  }
  return {
    medianMs: result.latency.p50 / batch,
    samples: result.latency.samplesCount * batch,
  };
}

/** Calls per sample so that one sample takes `sampleMs` or more. */
function batchSize(run: () => unknown, sampleMs: number): number {
  const deadline = performance.now() + 2;
  let calls = 0;
  while (performance.now() < deadline) {
    sink = run();
    calls++;
  }
  return Math.max(1, Math.ceil((sampleMs * calls) / 2));
}

function firstLine(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!.slice(0, 200);
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}
