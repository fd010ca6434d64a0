// `npm run demo`: build examples/ the way a user builds a project, with
// ts-patch's `tspc` running the tsad transformer, then run each example.
// Exits non-zero if the build or any example fails (the examples throw
// when tsad disagrees with a hand-derived formula or finite differences).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureBuilt } from "./ensure-built.mjs";

const root = path.resolve(import.meta.dirname, "..");
const tspc = path.join(root, "node_modules/ts-patch/bin/tspc.js");
const examples = [
  ["quartic", "d/dx (2x^4 - 1)"],
  ["power", "d/dx x**5"],
  ["sine", "d/dx sin(x)"],
  ["fit-exponential", "gradient descent on a least-squares fit"],
  ["vectors", "gradients of ||x||^2, ||x||_1 and x^T A x"],
  ["rosenbrock", "L-BFGS on the Rosenbrock function, d = 10"],
  ["newton", "Newton's method with tsad's Hessian"],
];

function heading(text) {
  console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 72 - text.length))}`);
}

try {
  ensureBuilt();
  fs.rmSync(path.join(root, "examples/out"), { recursive: true, force: true });
  console.log("> tspc -p examples");
  execFileSync(process.execPath, [tspc, "-p", "examples"], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  console.error("\ndemo: building the examples failed");
  process.exit(1);
}

const failed = [];
for (const [name, title] of examples) {
  heading(`examples/${name}.ts: ${title}`);
  try {
    execFileSync(
      process.execPath,
      [path.join(root, "examples/out", `${name}.js`)],
      { cwd: root, stdio: "inherit" },
    );
  } catch {
    failed.push(name);
  }
}
if (failed.length > 0) {
  console.error(`\ndemo: failed: ${failed.join(", ")}`);
  process.exit(1);
}
