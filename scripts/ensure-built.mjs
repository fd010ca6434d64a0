// Shared by `npm run demo` and `npm run bench`: `npm install` builds dist/,
// and both scripts rebuild it only when it is missing or older than the
// sources, so that a run after an edit never uses a stale transformer.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** Newest modification time of the files under `dir`, recursively. */
function newestChange(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, {
    withFileTypes: true,
    recursive: true,
  })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  }
  return newest;
}

/** Runs `npm run build` (announced on stderr) if dist/ is missing or stale. */
export function ensureBuilt() {
  const built = ["runtime", "transformer"].map((dir) =>
    path.join(root, "dist", dir, "index.js"),
  );
  const sources = Math.max(
    newestChange(path.join(root, "runtime")),
    newestChange(path.join(root, "transformer")),
  );
  if (
    built.every((file) => fs.existsSync(file)) &&
    Math.min(...built.map((file) => fs.statSync(file).mtimeMs)) >= sources
  ) {
    return;
  }
  console.error("> npm run build");
  execFileSync("npm", ["run", "build", "--silent"], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
}
