/**
 * Runs the transformer in-process, as `tspc` would: a real program with
 * the type checker, JSDoc parsed as `tsc` parses it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import tsadTransformer from "../../transformer/index.js";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
/** Compiled test code imports the runtime source, the instance tests use. */
export const runtimeSource = path.join(repoRoot, "runtime/index.ts");
/**
 * ... but is type-checked against the runtime's declarations, as a user's
 * program is: the runtime's own code is no part of the program tsad reads
 * (its methods would make unmarked calls' analysis more cautious than in
 * a user's build). `npm test` builds them first.
 */
const runtimeDeclarations = path.join(repoRoot, "dist/runtime/index.d.ts");

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  // Node 20's library: `findLastIndex` and the other ES2023 methods.
  lib: ["lib.es2023.full.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  types: [],
  paths: { tsad: [runtimeDeclarations] },
};

export interface Compiled {
  readonly program: ts.Program;
  /** Errors from type checking and from tsad. */
  readonly diagnostics: readonly ts.Diagnostic[];
}

/**
 * The standard library's files, parsed once for all programs (as editors
 * share them): tests that compile many small programs spend most of
 * their time there otherwise.
 */
const libraryFiles = new Map<string, ts.SourceFile | undefined>();

/** `overrides`: options of the case's own (a target, `incremental`). */
export function createProgram(
  rootNames: readonly string[],
  overrides: ts.CompilerOptions = {},
): ts.Program {
  const options = { ...compilerOptions, ...overrides };
  const host = ts.createCompilerHost(options);
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const read = host.getSourceFile;
  host.getSourceFile = (fileName, ...rest) => {
    if (!fileName.includes("/node_modules/typescript/lib/"))
      return read(fileName, ...rest);
    if (!libraryFiles.has(fileName))
      libraryFiles.set(fileName, read(fileName, ...rest));
    return libraryFiles.get(fileName);
  };
  return ts.createProgram(rootNames, options, host);
}

function transformerFor(program: ts.Program, diagnostics: ts.Diagnostic[]) {
  return tsadTransformer(
    program,
    {},
    { ts, addDiagnostic: (d) => diagnostics.push(d) },
  );
}

/** The transformed TypeScript of `file`, prettier-formatted: what fixtures snapshot. */
export async function transformedSource(
  rootNames: readonly string[],
  file: string,
  overrides: ts.CompilerOptions = {},
): Promise<{ code: string; diagnostics: ts.Diagnostic[] }> {
  const program = createProgram(rootNames, overrides);
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  const sourceFile = program.getSourceFile(file)!;
  const result = ts.transform(
    sourceFile,
    [transformerFor(program, diagnostics)],
    program.getCompilerOptions(),
  );
  const printed = ts.createPrinter().printFile(result.transformed[0]!);
  result.dispose();
  const code = await prettier.format(printed, { parser: "typescript" });
  return { code, diagnostics };
}

/**
 * Emits JavaScript for `rootNames` into `outDir` with the transformer (for
 * ES2022 unless `overrides` says otherwise: what TypeScript then writes
 * out is tsad's code as it is). Imports of "tsad" are pointed at the
 * runtime's source, the instance the tests themselves use. Returns the
 * diagnostics.
 */
export function emitTo(
  rootNames: readonly string[],
  outDir: string,
  overrides: ts.CompilerOptions = {},
): ts.Diagnostic[] {
  const rootDir = path.dirname(rootNames[0]!);
  fs.mkdirSync(outDir, { recursive: true });
  return emitWith(rootNames, overrides, (fileName, text) => {
    const relative = path.relative(rootDir, fileName);
    // Only the program's own files: the runtime's source is imported as is.
    if (relative.startsWith("..")) return;
    const target = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(
      target,
      text.replaceAll(`from "tsad"`, `from ${JSON.stringify(runtimeSource)}`),
    );
  });
}

/** The errors of type checking and of tsad, emitting nothing. */
export function diagnosticsOf(
  rootNames: readonly string[],
  overrides: ts.CompilerOptions = {},
): ts.Diagnostic[] {
  return emitWith(rootNames, overrides, () => {});
}

/** Emits the program with the transformer; its diagnostics and tsad's. */
function emitWith(
  rootNames: readonly string[],
  overrides: ts.CompilerOptions,
  writeFile: ts.WriteFileCallback,
): ts.Diagnostic[] {
  const program = createProgram(rootNames, overrides);
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  program.emit(undefined, writeFile, undefined, false, {
    before: [transformerFor(program, diagnostics)],
  });
  return diagnostics;
}

/** `file(line,col): TS<code>: message`, then each related location indented. */
export function formatDiagnostic(d: ts.Diagnostic): string {
  const related = (d.relatedInformation ?? []).map(
    (r) =>
      `\n  ${location(r)}: ${ts.flattenDiagnosticMessageText(r.messageText, "\n")}`,
  );
  return `${location(d)}: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}${related.join("")}`;
}

function location(d: ts.Diagnostic): string {
  if (!d.file || d.start === undefined) return "";
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.basename(d.file.fileName)}(${line + 1},${character + 1})`;
}
