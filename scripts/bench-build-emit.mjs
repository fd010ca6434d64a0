// One emit of a project, for scripts/bench-build.mjs: parses and checks
// it, then prints the CPU time (user + system, all threads) of emitting it
// with tsad (loading the transformer included) or without, so that the
// difference is tsad's own cost, free of what else a build process's time
// varies by.
//
//   node scripts/bench-build-emit.mjs <tsconfig.json> tsad|plain
import { createRequire } from "node:module";
import * as path from "node:path";
import ts from "typescript";

const [project, how] = process.argv.slice(2);
const root = path.resolve(import.meta.dirname, "..");
const config = ts.getParsedCommandLineOfConfigFile(
  path.resolve(project),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
const program = ts.createProgram(config.fileNames, config.options);
const diagnostics = [...ts.getPreEmitDiagnostics(program)];
const start = process.cpuUsage();
const before =
  how === "tsad"
    ? [
        createRequire(import.meta.url)(
          path.join(root, "dist/transformer/index.js"),
        ).default(
          program,
          {},
          { ts, addDiagnostic: (d) => diagnostics.push(d) },
        ),
      ]
    : [];
program.emit(undefined, () => {}, undefined, false, { before });
const { user, system } = process.cpuUsage(start);
if (diagnostics.length > 0) {
  throw new Error(
    ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }),
  );
}
console.log((user + system) / 1000);
