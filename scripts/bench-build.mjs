// `npm run bench:build`: how much tsad adds to a build. Generates a
// project of 500 marked functions (scalar code, branches, loops over
// arrays, calls between them, in 50 modules, with `grad` calls asking for
// gradients), and the same project with the tags and grad calls removed, then times
// `tspc -p` (ts-patch running the tsad transformer) against plain `tsc -p`
// on each, `tspc` with no plugin (what ts-patch's patching at startup costs
// by itself), and the `tsc` of a copy of TypeScript that `ts-patch install`
// patched once on disk (the persistent patch; no cost at startup), with no
// plugin and with tsad (their difference is tsad's own),
// ROUNDS times, interleaved, and compares medians of the processes' CPU
// time (user + system; other processes on a shared machine do not count).
// Then it measures tsad's own cost more finely, as the emit of a checked
// program with tsad less the emit without (`ownCost`).
// Targets (issue 5): at most 1.5x tsc with marked functions, 1.1x without.
// `npm run bench` runs it too and reports it in RESULTS.md.
//
//   node scripts/bench-build.mjs [--json <file>]
//   (BENCH_BUILD_ROUNDS=5, BENCH_BUILD_OWN_ROUNDS=7)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const work = path.join(root, ".tmp/bench-build");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");
const tspc = path.join(root, "node_modules/ts-patch/bin/tspc.js");
const patchedTsc = path.join(work, "patched/node_modules/typescript/bin/tsc");
const ROUNDS = Number(process.env.BENCH_BUILD_ROUNDS ?? 5);
const OWN_ROUNDS = Number(process.env.BENCH_BUILD_OWN_ROUNDS ?? 7);
const MODULES = 50;
const PER_MODULE = 10;

/** The k-th marked function of module m, one of five shapes. */
function markedFunction(m, k, marked) {
  const tag = marked ? "/** @differentiable */" : "/** A plain function. */";
  const name = `f${m}_${k}`;
  const c = (m * PER_MODULE + k) % 7;
  switch (k % 5) {
    case 0:
      return `${tag}
export function ${name}(x: number, y: number): number {
  const a = x * Math.sin(y) + ${c};
  let s: number;
  if (a > 0) {
    s = Math.exp(-a) * y;
  } else {
    s = a * a - y / ${c + 1};
  }
  return s + Math.log1p(x * x);
}`;
    case 1:
      return `${tag}
export function ${name}(w: Float64Array, b: number): number {
  let s = b;
  for (let i = 0; i < w.length; i++) {
    s += w[i] * w[i] * ${c + 1} - Math.tanh(w[i] + b);
  }
  return s / w.length;
}`;
    case 2:
      return `${tag}
export function ${name}(x: number[], t: number): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    total += ${c + 1} * a * a + (t - x[i]) ** 2;
  }
  return total + f${m}_${k - 2}(t, total);
}`;
    case 3:
      return `${tag}
export function ${name}(p: number, q: number, r: number): number {
  const u = Math.sqrt(p * p + q * q + 1);
  const v = u > r ? Math.atan2(q, u) : Math.cos(r * u);
  let z = v;
  for (let i = 0; i < ${c + 2}; i++) {
    z = z * 0.5 + Math.sin(z + p);
  }
  return z * u - Math.max(v, q);
}`;
    default:
      return `${tag}
export function ${name}(A: number[][], x: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let row = 0;
    for (let j = 0; j < x.length; j++) row += A[i][j] * x[j];
    s += row * x[i] + f${m}_${k - 1}(x[i], row, s);
  }
  return s;
}`;
  }
}

function moduleSource(m, marked) {
  const functions = Array.from({ length: PER_MODULE }, (_, k) =>
    markedFunction(m, k, marked),
  );
  // Asking for gradients of functions that are not marked is TS96019.
  if (!marked) return functions.join("\n\n");
  return [
    `import { grad, valueAndGrad } from "tsad";`,
    ...functions,
    `export const gradients = [grad(f${m}_0, [0, 1]), grad(f${m}_1),`,
    `  valueAndGrad(f${m}_3, 2), grad(f${m}_4, 1)];`,
  ].join("\n\n");
}

function writeProject(name, marked) {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  for (let m = 0; m < MODULES; m++) {
    fs.writeFileSync(
      path.join(dir, "src", `module${m}.ts`),
      moduleSource(m, marked),
    );
  }
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "commonjs",
      strict: true,
      skipLibCheck: true,
      types: [],
      rootDir: "src",
      outDir: "out",
      paths: { tsad: [path.join(root, "dist/runtime/index.d.ts")] },
      plugins: [{ transform: path.join(root, "dist/transformer/index.js") }],
    },
    include: ["src"],
  };
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify(tsconfig, null, 2),
  );
  const bare = {
    ...tsconfig,
    compilerOptions: { ...tsconfig.compilerOptions, plugins: [] },
  };
  fs.writeFileSync(path.join(dir, "tsconfig.bare.json"), JSON.stringify(bare));
  return dir;
}

/** Preloaded into each build: prints the process's CPU time as it exits. */
const cpuReporter = path.join(work, "cpu-time.cjs");

/** CPU time of one build (its process, user + system), in ms. */
function build(compiler, project) {
  fs.rmSync(path.join(path.dirname(project), "out"), {
    recursive: true,
    force: true,
  });
  const result = spawnSync(
    process.execPath,
    ["--require", cpuReporter, compiler, "-p", project],
    { encoding: "utf8" },
  );
  const cpu = /\ncpu ([\d.]+)\n/.exec(result.stderr);
  if (result.status !== 0 || cpu === null) {
    throw new Error(
      `${compiler} -p ${project} failed:\n${result.stdout}${result.stderr}`,
    );
  }
  return Number(cpu[1]);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

if (!fs.existsSync(path.join(root, "dist/transformer/index.js"))) {
  throw new Error("dist/ is missing: run `npm run build` first");
}
fs.mkdirSync(work, { recursive: true });
fs.writeFileSync(
  cpuReporter,
  `process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write("\\ncpu " + (user + system) / 1000 + "\\n");
});
`,
);
// The persistent patch, as a user's `prepare` script would run it, on a
// copy so that this repository's TypeScript stays unpatched.
const patched = path.join(work, "patched/node_modules/typescript");
fs.rmSync(patched, { recursive: true, force: true });
fs.cpSync(path.join(root, "node_modules/typescript"), patched, {
  recursive: true,
});
const install = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules/ts-patch/bin/ts-patch.js"),
    "install",
    "-s",
    "-d",
    patched,
  ],
  { encoding: "utf8" },
);
if (install.status !== 0) {
  throw new Error(
    `ts-patch install failed:\n${install.stdout}${install.stderr}`,
  );
}
const projects = {
  marked: writeProject("marked", true),
  unmarked: writeProject("unmarked", false),
};
const builds = {
  tsc: (dir) => build(tsc, path.join(dir, "tsconfig.json")),
  bare: (dir) => build(tspc, path.join(dir, "tsconfig.bare.json")),
  tspc: (dir) => build(tspc, path.join(dir, "tsconfig.json")),
  patchedBare: (dir) => build(patchedTsc, path.join(dir, "tsconfig.bare.json")),
  patched: (dir) => build(patchedTsc, path.join(dir, "tsconfig.json")),
};
/**
 * tsad's own cost in a build of `dir`, in ms of CPU time: the median emit
 * with tsad less the median emit without, each in a process of its own,
 * interleaved. A whole build's time varies by a tenth from one process to
 * the next on this machine, more than tsad adds to a project with no
 * marked functions; its emit alone varies by much less.
 */
function ownCost(dir) {
  const emit = (how) => {
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, "scripts/bench-build-emit.mjs"),
        path.join(dir, "tsconfig.bare.json"),
        how,
      ],
      { encoding: "utf8" },
    );
    if (result.status !== 0) {
      throw new Error(`emit ${how} of ${dir} failed:\n${result.stderr}`);
    }
    return Number(result.stdout);
  };
  const withTsad = [];
  const without = [];
  for (let round = 0; round < OWN_ROUNDS; round++) {
    without.push(emit("plain"));
    withTsad.push(emit("tsad"));
  }
  return median(withTsad) - median(without);
}

const times = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, dir] of Object.entries(projects)) {
    for (const [how, run] of Object.entries(builds)) {
      (times[`${name} ${how}`] ??= []).push(run(dir));
    }
  }
}
const results = Object.fromEntries(
  Object.keys(projects).map((name) => {
    const [tscMs, bareMs, tspcMs, patchedBareMs, patchedMs] = [
      "tsc",
      "bare",
      "tspc",
      "patchedBare",
      "patched",
    ].map((how) => median(times[`${name} ${how}`]));
    const ownMs = ownCost(projects[name]);
    return [
      name,
      {
        tscMs,
        bareMs,
        tspcMs,
        patchedBareMs,
        patchedMs,
        ownMs,
        ratio: tspcMs / tscMs,
        patchedRatio: patchedMs / tscMs,
        ownRatio: (tscMs + ownMs) / tscMs,
      },
    ];
  }),
);
const summary = {
  functions: MODULES * PER_MODULE,
  modules: MODULES,
  rounds: ROUNDS,
  ownRounds: OWN_ROUNDS,
  ...results,
};
for (const [name, r] of Object.entries(results)) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `${name}: tsc ${s(r.tscMs)}, tspc without plugins ${s(r.bareMs)}, tspc with tsad ${s(r.tspcMs)}: ${r.ratio.toFixed(2)}x tsc; tsc patched by ts-patch install ${s(r.patchedBareMs)}, with tsad ${s(r.patchedMs)}: ${r.patchedRatio.toFixed(2)}x tsc; tsad's own cost ${s(r.ownMs)}: tsc + that is ${r.ownRatio.toFixed(2)}x tsc`,
  );
}
const jsonAt = process.argv.indexOf("--json");
if (jsonAt !== -1) {
  fs.writeFileSync(process.argv[jsonAt + 1], JSON.stringify(summary));
}
