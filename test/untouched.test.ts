/**
 * A file with no marked function compiles with the plugin to exactly what
 * plain `tsc` emits: JavaScript, declarations and source maps, byte for
 * byte, in CommonJS and ESM settings. Checked over tsad's own sources
 * (transformer/ and runtime/, which mention the tag in comments and
 * strings) and over test/untouched/, a sample of varied TypeScript:
 * classes, enums, namespaces, overloads, generics, both kinds of
 * decorators, async code, re-exports.
 *
 * Each program is emitted twice in-process, as `tspc` runs the plugin (a
 * `before` transformer; ts-patch adds nothing to declaration emit): once
 * plain, once with tsad. One marked file, control.ts, shows the plugin ran.
 */
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import tsadTransformer from "../transformer/index.js";
import { formatDiagnostic, repoRoot } from "./support/compile.js";

const samples = path.join(repoRoot, "test/untouched");
const sample = (name: string) => path.join(samples, name);
const control = sample("control.ts");

const formats = {
  commonjs: {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  },
  esm: {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  },
} satisfies Record<string, ts.CompilerOptions>;

const sampleOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  strict: true,
  declaration: true,
  declarationMap: true,
  sourceMap: true,
  skipLibCheck: true,
  types: [],
  rootDir: samples,
  outDir: path.join(repoRoot, ".tmp/untouched"),
};

interface Emits {
  /** Emitted file name -> text. */
  readonly plain: ReadonlyMap<string, string>;
  readonly withTsad: ReadonlyMap<string, string>;
  /** Source files tsad's transformer was handed. */
  readonly visited: ReadonlySet<string>;
  /** From type checking, and from tsad. */
  readonly diagnostics: readonly string[];
}

/**
 * Declaration files (the default library, @types/node, typescript.d.ts)
 * parsed once for all programs here: most of the time a program takes.
 * Every program targets ES2022, so one parse fits all.
 */
const declarationFiles = new Map<string, ts.SourceFile | undefined>();

function emitBoth(
  rootNames: readonly string[],
  options: ts.CompilerOptions,
): Emits {
  const host = ts.createCompilerHost(options);
  // As tsc parses JSDoc, which is why tsad reads the tag from comments.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, ...rest) => {
    if (!fileName.endsWith(".d.ts")) return getSourceFile(fileName, ...rest);
    if (!declarationFiles.has(fileName))
      declarationFiles.set(fileName, getSourceFile(fileName, ...rest));
    return declarationFiles.get(fileName);
  };
  const program = ts.createProgram(rootNames, options, host);
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  const emit = (transformers?: ts.CustomTransformers) => {
    const files = new Map<string, string>();
    const result = program.emit(
      undefined,
      (fileName, text) => files.set(fileName, text),
      undefined,
      false,
      transformers,
    );
    diagnostics.push(...result.diagnostics);
    return files;
  };
  const plain = emit();
  const tsad = tsadTransformer(
    program,
    {},
    { ts, addDiagnostic: (d) => diagnostics.push(d) },
  );
  const visited = new Set<string>();
  const withTsad = emit({
    before: [
      (context) => {
        const transform = tsad(context);
        return (sourceFile) => {
          visited.add(sourceFile.fileName);
          return transform(sourceFile);
        };
      },
    ],
  });
  return {
    plain,
    withTsad,
    visited,
    diagnostics: diagnostics.map(formatDiagnostic),
  };
}

/** Every file tsc emits, tsad emits the same, except the outputs of `changed`. */
function expectUntouched(emits: Emits, changed: readonly string[] = []) {
  expect(emits.diagnostics).toEqual([]);
  expect([...emits.withTsad.keys()].sort()).toEqual(
    [...emits.plain.keys()].sort(),
  );
  let compared = 0;
  for (const [fileName, text] of emits.plain) {
    const stem = path.basename(fileName).replace(/\.(js|d\.ts)(\.map)?$/, "");
    if (changed.some((source) => path.basename(source, ".ts") === stem)) {
      continue;
    }
    expect(emits.withTsad.get(fileName), fileName).toBe(text);
    compared++;
  }
  return compared;
}

function projectSources(format: keyof typeof formats) {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(repoRoot, "tsconfig.build.json"),
    { ...formats[format], outDir: path.join(repoRoot, ".tmp/untouched-own") },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!;
  return { rootNames: config.fileNames, options: config.options };
}

const standardSamples = [
  "classes.ts",
  "enums.ts",
  "namespaces.ts",
  "generics.ts",
  "async-code.ts",
  "decorators.ts",
  "reexports.ts",
  "default-export.ts",
].map(sample);

describe.each(Object.keys(formats) as (keyof typeof formats)[])(
  "with module settings for %s, tsad leaves a file with no marked function as tsc emits it",
  (format) => {
    it("over tsad's own sources", () => {
      const { rootNames, options } = projectSources(format);
      expect(rootNames.length).toBeGreaterThan(20);
      const emits = emitBoth(rootNames, options);
      for (const file of rootNames) {
        expect(emits.visited.has(file.replaceAll("\\", "/")), file).toBe(true);
      }
      // .js, .js.map and .d.ts of every source file.
      expect(expectUntouched(emits)).toBe(3 * rootNames.length);
    }, 240_000);

    it("over a sample of varied TypeScript (standard decorators)", () => {
      const emits = emitBoth([...standardSamples, control], {
        ...sampleOptions,
        ...formats[format],
      });
      expect(emits.visited.size).toBeGreaterThanOrEqual(
        standardSamples.length + 1,
      );
      // .js, .js.map, .d.ts and .d.ts.map of every file but control.ts.
      expect(expectUntouched(emits, [control])).toBe(
        4 * standardSamples.length,
      );
      // The plugin did run: the marked function got its derivatives.
      const controlJs = [...emits.withTsad].find(([name]) =>
        name.endsWith("control.js"),
      )![1];
      expect(controlJs).toContain("square__vjp");
      expect(controlJs).not.toBe(
        [...emits.plain].find(([name]) => name.endsWith("control.js"))![1],
      );
    }, 240_000);

    it("over legacy decorators with metadata", () => {
      const legacy = sample("legacy-decorators.ts");
      const emits = emitBoth([legacy], {
        ...sampleOptions,
        ...formats[format],
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      });
      expect(emits.visited.has(legacy)).toBe(true);
      expect(expectUntouched(emits)).toBe(4);
      const js = [...emits.plain].find(([name]) => name.endsWith(".js"))![1];
      expect(js).toContain("__metadata(");
    }, 240_000);
  },
);
