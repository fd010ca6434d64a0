/**
 * What `npm run bench` reads from the environment:
 *
 *   BENCH_QUICK=1        fewer and smaller sizes, shorter timing (about a minute)
 *   BENCH_SUITES=a,b     only these suites (names as in suites/index.ts)
 *   BENCH_LIMIT_S=3      skip a method whose one gradient would take longer
 *   BENCH_TIME_MS=300    tinybench's time budget per method and size
 *   BENCH_CLOCK=cpu      time by this process's CPU time instead of the wall
 *                        clock (for a machine other processes are loading)
 *   BENCH_TSAD_VERSION   names the tsad under test in RESULTS.md where the
 *                        folder is not a git checkout (default: git's commit)
 */
import type { MeasureOptions } from "./measure.js";

export function measureOptions(
  env: NodeJS.ProcessEnv = process.env,
): MeasureOptions {
  const quick = env.BENCH_QUICK === "1";
  return {
    quick,
    limitMs: 1000 * Number(env.BENCH_LIMIT_S ?? (quick ? 0.5 : 3)),
    timeMs: Number(env.BENCH_TIME_MS ?? (quick ? 100 : 300)),
    clock: env.BENCH_CLOCK === "cpu" ? "cpu" : "wall",
  };
}

export function selectedSuites(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const wanted = env.BENCH_SUITES?.split(",").map((name) => name.trim());
  if (wanted === undefined) return [...names];
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SUITES: unknown suite ${unknown.join(", ")}; known: ${names.join(", ")}`,
    );
  }
  return names.filter((name) => wanted.includes(name));
}
