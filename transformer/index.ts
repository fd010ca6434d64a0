/**
 * The ts-patch entry point: `{ "transform": "tsad/transformer" }`.
 *
 * The pipeline, for each function marked `@differentiable`:
 *
 *   select      find marked functions, and the gradients    select.ts
 *               the program's grad calls ask for            requests.ts
 *   normalize   lower -> tail returns -> SSA/A-normal form  normalize/
 *               -> reads of elements just written
 *   activity    which variables carry derivatives           activity.ts
 *   forward     tangent function  f__jvp                    forward.ts
 *   reverse     adjoint function  f__vjp, and gradients     reverse.ts
 *               f__grad_1 (forward.ts for one number)
 *   second      where hessian(f) is asked for: f__tangent   second-order.ts
 *   order       and its adjoint f__tangent__vjp (reverse)
 *   simplify    readable, lean code                         simplify/
 *   emit        TypeScript nodes, registration, imports     emit.ts
 *               (with the callees reached through other     module-calls.ts
 *               modules' exports, which the runtime checks)
 *
 * Any pass may throw a `DiffError`; it becomes a diagnostic here, and the
 * function gets no derivatives (so nothing wrong can run), nor does any
 * marked function that calls it (callees.ts). A file with no
 * marked function is returned untouched. `TSAD_DEBUG=stages` prints the
 * code after each stage.
 */
import type * as ts from "typescript";
import { analyzeActivity, type Activity } from "./activity";
import { CalleeCheck, unmarkedCallsOf } from "./callees";
import { rememberingAnswers } from "./checker-answers";
import { DiagnosticCode, DiffError } from "./diagnostics";
import { Emitter, moduleHint } from "./emit";
import { forwardMode } from "./forward";
import { definedNames, type FunctionIR } from "./ir";
import { derivativeNames, generatedGlobals, Names } from "./naming";
import { ModuleCalls } from "./module-calls";
import { lowerFunction, type LowerContext } from "./normalize/lower";
import { tailReturns } from "./normalize/returns";
import { toSSA } from "./normalize/ssa";
import { nameSelfIndices } from "./normalize/store-indices";
import { forwardStores } from "./normalize/stores";
import { countVariedCounters } from "./normalize/varied-counters";
import { rejectUnsupportedConstructs } from "./normalize/unsupported";
import { HiddenWrites } from "./normalize/hidden-writes";
import { Throwing } from "./normalize/throwing";
import { UnmarkedWrites } from "./normalize/unmarked-writes";
import { PatchedGlobals } from "./normalize/patched-globals";
import { reverseMode } from "./reverse";
import { tangentOnly } from "./second-order";
import {
  derivativeNameClashes,
  reexportedDerivatives,
  selectMarkedFunctions,
  type DerivativeReexport,
  type DifferentiableFunction,
  valueKindOf,
  type MarkedFunction,
} from "./select";
import {
  GradientRequests,
  unmarkedTargets,
  type GradientRequest,
} from "./requests";
import { simplify } from "./simplify/index";
import { withSnapshots } from "./snapshots";
import type { ValueKind } from "../runtime/registry";

export interface TsadConfig {
  /** Where generated code imports the runtime from; `"tsad"` by default. */
  readonly runtimeModule?: string;
}

export interface TsadExtras {
  readonly ts: typeof import("typescript");
  readonly addDiagnostic: (diagnostic: ts.Diagnostic) => unknown;
}

export default function tsadTransformer(
  program: ts.Program,
  config: TsadConfig | undefined,
  extras: TsadExtras,
): ts.TransformerFactory<ts.SourceFile> {
  const ts = extras.ts;
  const checker = rememberingAnswers(program.getTypeChecker());
  const patchedGlobals = new PatchedGlobals(ts, checker, program);
  const runtimeModule = config?.runtimeModule ?? "tsad";
  const unmarkedWrites = new UnmarkedWrites(
    ts,
    checker,
    program,
    patchedGlobals,
    runtimeModule,
  );
  const lowerContext: LowerContext = {
    ts,
    checker,
    runtimeModule,
    assignedIn: new WeakMap(),
    unmarkedWrites,
    hiddenWrites: new HiddenWrites(ts, checker, unmarkedWrites),
    patchedGlobals,
    valueKinds: new WeakMap(),
    throwing: new Throwing(ts, unmarkedWrites.targets, (call) =>
      unmarkedWrites.isStopGradient(call),
    ),
  };
  const requests = new GradientRequests(
    ts,
    program,
    lowerContext.runtimeModule,
  );
  const debugStages = process.env.TSAD_DEBUG?.split(",").includes("stages");
  /** The emit in progress, which `TSAD_DEBUG=stages` prints code with. */
  let emitContext: ts.TransformationContext | undefined;
  const reservedNamesByFile = new WeakMap<ts.SourceFile, ReadonlySet<string>>();
  const options = program.getCompilerOptions();
  const incremental = options.incremental || options.composite || options.watch;
  const derive = (fn: MarkedFunction): Derivatives => {
    if (incremental) {
      throw new DiffError(
        fn.nameNode,
        DiagnosticCode.IncrementalBuild,
        "tsad needs full builds: an incremental one (`incremental`, `composite`, `--watch`) writes out only the files that changed, but a file's derivatives depend on other files (the marked functions it calls; getters and writes anywhere in the program), so those of an unchanged file could be stale and wrong. Build this project without `incremental`, `composite` and `--watch`.",
      );
    }
    const sourceFile = fn.node.getSourceFile();
    let identifiers = reservedNamesByFile.get(sourceFile);
    if (!identifiers) {
      identifiers = reservedNames(
        ts,
        sourceFile,
        runtimeModule,
        identifiersOf(ts, sourceFile),
      );
      reservedNamesByFile.set(sourceFile, identifiers);
    }
    const needsSecondOrder = requests.needsSecondOrder(fn.node);
    requireFreeDerivativeNames(fn, identifiers, needsSecondOrder);
    const derivatives = differentiate(
      lowerContext,
      fn,
      requests.of(fn.node),
      needsSecondOrder,
      new Names(identifiers),
      debugStages
        ? (stage, ir) =>
            debugStage(
              ts,
              new Emitter(ts, emitContext!, runtimeModule),
              sourceFile,
              stage,
              ir,
            )
        : () => {},
    );
    for (const { ir } of derivatives.gradients) {
      if (identifiers.has(ir.name)) {
        throw new DiffError(
          fn.node,
          DiagnosticCode.ReservedName,
          `tsad names the gradient of '${fn.name}' that this program asks for '${ir.name}', but this file already uses that name. Rename it.`,
        );
      }
    }
    callees.noteUnmarkedCalls(fn, derivatives.unmarked);
    return derivatives;
  };
  // Each marked function is differentiated once per program, its failure
  // too: when its file is transformed, or before, when a marked function
  // calling or re-exporting it (in another file, or earlier in its own)
  // needs to know whether it can be. Its file takes what is kept, which
  // nothing asks for again (`CalleeCheck` keeps the outcome), so the
  // derivatives of every function do not stay in memory to the end.
  const derived = new Map<
    DifferentiableFunction,
    { derivatives: Derivatives } | { error: unknown }
  >();
  const derivativesOf = (fn: MarkedFunction, take = false): Derivatives => {
    let known = derived.get(fn.node);
    if (!known) {
      try {
        known = { derivatives: derive(fn) };
      } catch (error) {
        known = { error };
      }
      derived.set(fn.node, known);
    }
    if (take) derived.delete(fn.node);
    if ("error" in known) throw known.error;
    return known.derivatives;
  };
  const callees = new CalleeCheck(
    ts,
    lowerContext.checker,
    (fn) => {
      const shadowing = unusableGlobals(lowerContext, fn.node.getSourceFile());
      if (shadowing.length > 0) throw shadowing[0];
      derivativesOf(fn);
    },
    asDiffError,
    (fn) => requests.needsSecondOrder(fn.node),
  );
  const moduleCalls = new ModuleCalls((fn) => callees.markedCallsOf(fn));
  return (context) => {
    emitContext = context;
    return (sourceFile) =>
      transformFile(
        sourceFile,
        context,
        lowerContext,
        callees,
        derivativesOf,
        requests,
        moduleCalls,
        extras,
      );
  };
}

type Derivatives = ReturnType<typeof differentiate>;

function transformFile(
  sourceFile: ts.SourceFile,
  context: ts.TransformationContext,
  lowerContext: LowerContext,
  callees: CalleeCheck,
  derivativesOf: (fn: MarkedFunction, take: boolean) => Derivatives,
  requests: GradientRequests,
  moduleCalls: ModuleCalls,
  extras: TsadExtras,
): ts.SourceFile {
  const { ts } = lowerContext;
  const { marked, misplaced } = selectMarkedFunctions(ts, sourceFile);
  for (const error of misplaced) report(extras, error);
  const targets = unmarkedTargets(
    ts,
    lowerContext.checker,
    sourceFile,
    lowerContext.runtimeModule,
  );
  for (const error of targets) report(extras, error);
  const { reexports, conflicts } = reexportedDerivatives(
    ts,
    lowerContext.checker,
    sourceFile,
  );
  for (const error of conflicts) report(extras, error);
  // Whatever becomes of the file's own marked functions, its re-exports
  // of others' carry their derivatives.
  const withReexports = (statements: ts.Statement[]) =>
    addReexports(
      context.factory,
      sourceFile,
      statements,
      reexports,
      requests,
      callees,
    );
  // Two explicit re-exports' clash is one of `conflicts` already.
  const clashes = derivativeNameClashes(ts, lowerContext.checker, sourceFile);
  for (const error of clashes)
    if (!conflicts.some((c) => c.node === error.node)) report(extras, error);
  if (marked.length === 0 && reexports.length === 0) return sourceFile;
  if (marked.length === 0) {
    return withReexports([...sourceFile.statements]);
  }
  if (!ts.isExternalModule(sourceFile)) {
    report(
      extras,
      new DiffError(
        marked[0]!.nameNode,
        DiagnosticCode.UnsupportedSyntax,
        "tsad needs this file to be a module, so it can import its runtime. Add an `export` (or `export {};`).",
      ),
      marked[0],
    );
    return sourceFile;
  }
  const shadowing = unusableGlobals(lowerContext, sourceFile);
  if (shadowing.length > 0) {
    for (const fn of marked)
      for (const error of shadowing) report(extras, error, fn);
    return withReexports([...sourceFile.statements]);
  }

  const emitter = new Emitter(ts, context, lowerContext.runtimeModule);
  const after = new Map<ts.Statement, ts.Statement[]>();
  const hoistedRegistrations: ts.Statement[] = [];
  for (const fn of marked) {
    try {
      const { jvp, vjp, gradients, secondOrder, params, required, result } =
        callees.differentiate(fn, () => derivativesOf(fn, /*take*/ true));
      const generated: ts.Statement[] = [
        emitter.functionDeclaration(jvp, fn.exported),
        emitter.functionDeclaration(vjp, fn.exported),
        // Called by the second derivatives of marked functions calling `fn`.
        ...(secondOrder
          ? [secondOrder.tangent, secondOrder.vjp].map((ir) =>
              emitter.functionDeclaration(ir, fn.exported),
            )
          : []),
        // Only the runtime calls these, through the registration.
        ...gradients.map(({ ir }) =>
          emitter.functionDeclaration(ir, /*exported*/ false),
        ),
      ];
      const registration = emitter.registration(
        fn.name,
        params,
        required,
        result,
        gradients.map(({ request, ir }) => ({ ...request, name: ir.name })),
        secondOrder?.vjp.name,
        moduleCalls.of(fn.node),
      );
      if (fn.hoisted) hoistedRegistrations.push(registration);
      else generated.push(registration);
      after.set(fn.statement, [
        ...(after.get(fn.statement) ?? []),
        ...generated,
      ]);
    } catch (error) {
      report(extras, asDiffError(error, fn), fn);
    }
  }
  if (after.size === 0) {
    return withReexports([...sourceFile.statements]);
  }

  const statements = [...sourceFile.statements];
  const firstAfterImports = statements.findIndex(
    (s) => !ts.isImportDeclaration(s),
  );
  const insertAt =
    firstAfterImports === -1 ? statements.length : firstAfterImports;
  const output: ts.Statement[] = [
    ...statements.slice(0, insertAt),
    ...emitter.importDeclarations(),
    ...hoistedRegistrations,
  ];
  for (const statement of statements.slice(insertAt)) {
    output.push(statement, ...(after.get(statement) ?? []));
  }
  return withReexports(output);
}

/** The file may not declare the names of `fn`'s derivatives itself. */
function requireFreeDerivativeNames(
  fn: MarkedFunction,
  identifiers: ReadonlySet<string>,
  secondOrder: boolean,
) {
  const names = derivativeNames(fn.name, secondOrder);
  const reserved = names.find((name) => identifiers.has(name));
  const quoted = names.map((name) => `'${name}'`);
  if (reserved !== undefined) {
    throw new DiffError(
      fn.node,
      DiagnosticCode.ReservedName,
      `tsad names the derivatives of '${fn.name}' ${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}, but this file already uses '${reserved}'. Rename it.`,
    );
  }
}

/**
 * After each statement that re-exports marked functions, their
 * derivatives: `export { f } from "./lib.js"`, or `export { f }` of an
 * imported `f` -> also `export { f__jvp, f__vjp } from "./lib.js"`.
 */
function addReexports(
  factory: ts.NodeFactory,
  sourceFile: ts.SourceFile,
  statements: ts.Statement[],
  reexports: readonly DerivativeReexport[],
  requests: GradientRequests,
  callees: CalleeCheck,
): ts.SourceFile {
  // Not those of a function that gets none: an ES module exporting a name
  // its source does not have fails to load, the others' with it.
  const names = (reexport: DerivativeReexport) =>
    reexport.bases.flatMap((base, i) => {
      const fn = reexport.functions[i]!;
      return callees.differentiates(fn)
        ? derivativeNames(base, requests.needsSecondOrder(fn))
        : [];
    });
  const output = statements.flatMap((statement) => [
    statement,
    ...reexports
      .filter((reexport) => reexport.statement === statement)
      .flatMap((reexport) => {
        const exported = names(reexport);
        return exported.length === 0
          ? []
          : [
              factory.createExportDeclaration(
                undefined,
                false,
                factory.createNamedExports(
                  exported.map((name) =>
                    factory.createExportSpecifier(false, undefined, name),
                  ),
                ),
                reexport.specifier,
              ),
            ];
      }),
  ]);
  return factory.updateSourceFile(sourceFile, output);
}

function differentiate(
  context: LowerContext,
  fn: MarkedFunction,
  requested: readonly GradientRequest[],
  secondOrder: boolean,
  names: Names,
  debugStage: (stage: string, ir: FunctionIR) => void,
) {
  const { ts, checker } = context;
  rejectUnsupportedConstructs(ts, checker, fn.node);
  const signature = checker.getSignatureFromDeclaration(fn.node);
  const result = signature
    ? valueKindOf(ts, checker, checker.getReturnTypeOfSignature(signature))
    : "none";
  if (result === "none") {
    throw new DiffError(
      fn.nameNode,
      DiagnosticCode.UnsupportedSyntax,
      `'${fn.name}' must return a number or an array of numbers (number[], Float64Array, Float32Array, number[][]) to be @differentiable.`,
    );
  }
  const surface = lowerFunction(context, fn.name, fn.node, names);
  context.hiddenWrites.require(fn.node, fn.name);
  const normalized = {
    ...countVariedCounters(
      forwardStores(
        nameSelfIndices(
          toSSA({ ...surface, body: tailReturns(surface.body, names) }, names),
          names,
        ),
      ),
      names,
    ),
    result,
  };
  debugStage("normalize", normalized);
  const activity = analyzeActivity(normalized);
  const unmarked = unmarkedCallsOf(
    normalized.body,
    activity,
    context.hiddenWrites.getterReadIn(fn.node),
  );
  const primalOf = (fn: FunctionIR) =>
    definedNames(fn.body, new Set(fn.params.map((p) => p.name)));
  const primal = primalOf(normalized);
  // The names simplify makes avoid every name the file uses (`names`),
  // as the modes' do: a module-level `t` the function reads stays itself.
  const jvp = simplify(
    forwardMode(normalized, activity, names.clone()),
    primal,
    names,
  );
  debugStage("forward", jvp);
  // The adjoints read copies of arrays where they need them (snapshots.ts).
  const adjoint = (request?: GradientRequest) => {
    const { fn, built } = withSnapshots(normalized, names, (fn) =>
      reverseMode(
        fn,
        fn === normalized && !request
          ? activity
          : analyzeActivity(fn, request?.argnums),
        names.clone(),
        request,
      ),
    );
    return simplify(built, primalOf(fn), names);
  };
  const vjp = adjoint();
  debugStage("reverse", vjp);
  const params = normalized.params.map((p) => p.kind);
  const gradients = requested
    .filter((r) => result === "number" && validArgnums(r.argnums, params))
    .map((request) => {
      // One number input: a tangent sweep is the cheaper gradient.
      const [first, ...rest] = request.argnums;
      const ir =
        rest.length === 0 && params[first!] === "number"
          ? simplify(
              forwardMode(
                normalized,
                analyzeActivity(normalized, request.argnums),
                names.clone(),
                request,
              ),
              primal,
              names,
            )
          : adjoint(request);
      debugStage(`gradient ${ir.name}`, ir);
      return { request, ir };
    });
  const second = secondOrder
    ? secondDerivatives(normalized, activity, primal, names, debugStage)
    : undefined;
  // Callers may leave out the optional parameters after the last required one.
  let required = params.length;
  while (required > 0 && normalized.params[required - 1]!.optional) required--;
  return {
    jvp,
    vjp,
    gradients,
    secondOrder: second,
    params,
    required,
    result,
    unmarked,
  };
}

/** `f__tangent` and its adjoint `f__tangent__vjp`, which `hvp` calls. */
function secondDerivatives(
  normalized: FunctionIR,
  activity: Activity,
  primal: ReadonlySet<string>,
  names: Names,
  debugStage: (stage: string, ir: FunctionIR) => void,
): { tangent: FunctionIR; vjp: FunctionIR } {
  // Reverse mode's names avoid the tangents' too.
  const tangentNames = names.clone();
  const tangent = tangentOnly(normalized, activity, tangentNames);
  debugStage("tangent, normalized", tangent);
  // All its parameters are inputs: a caller's tangent depends on its primal.
  const { built } = withSnapshots(tangent, tangentNames, (fn) =>
    reverseMode(fn, analyzeActivity(fn), tangentNames.clone()),
  );
  const vjp = simplify(built, primal, names);
  debugStage("reverse over tangent", vjp);
  return { tangent: simplify(tangent, primal, names), vjp };
}

/**
 * Argnums the runtime accepts and that name each parameter once (the
 * runtime reports the others, and `f__vjp` serves repeated ones).
 */
function validArgnums(
  argnums: readonly number[],
  params: readonly ValueKind[],
): boolean {
  return (
    argnums.length > 0 &&
    new Set(argnums).size === argnums.length &&
    argnums.every((i) => params[i] !== undefined && params[i] !== "none")
  );
}

function importHints(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
  runtimeModule: string,
): string[] {
  const specifiers = sourceFile.statements.flatMap((s) =>
    ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)
      ? [s.moduleSpecifier.text]
      : [],
  );
  return ["tsad", ...[runtimeModule, ...specifiers].map(moduleHint)];
}

/**
 * The names generated code in `sourceFile` must not declare: the file's
 * identifiers, and the names TypeScript gives at print time to the
 * namespace imports emit adds, `<hint>_N` for the first N the file does
 * not use (so the hint's first names after those it uses, with room for
 * a few imports of one hint).
 */
function reservedNames(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
  runtimeModule: string,
  identifiers: Set<string>,
): Set<string> {
  const reserved = new Set(identifiers);
  for (const hint of importHints(ts, sourceFile, runtimeModule)) {
    const used = [...identifiers].filter(
      (name) =>
        name.startsWith(`${hint}_`) &&
        /^\d+$/.test(name.slice(hint.length + 1)),
    ).length;
    for (let k = 1; k <= used + 3; k++) reserved.add(`${hint}_${k}`);
  }
  return reserved;
}

/** Every identifier in the file, so generated names shadow nothing. */
function identifiersOf(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return names;
}

/**
 * Globals that generated code calls and the function's derivatives take
 * as the standard ones, but which are not: a module-level declaration
 * hiding one (`import { Math } from "./my-math.js"` would turn the
 * derivative's `Math.cos(x)` into a call of the user's `Math.cos`), or a
 * change the program makes to one (`Math.sin = ...`: the derivative would
 * still be `Math.cos`).
 */
function unusableGlobals(
  { ts, checker, patchedGlobals }: LowerContext,
  sourceFile: ts.SourceFile,
): DiffError[] {
  const changed = generatedGlobals.flatMap((name) => {
    const at = patchedGlobals.at(name);
    return at
      ? [
          new DiffError(
            at,
            DiagnosticCode.ReservedName,
            `This program changes the global '${name}', which the derivatives of @differentiable functions take as the standard one: they would not match the functions. Leave '${name}' as it is (put what replaces it in a function of your own, marked @differentiable).`,
          ),
        ]
      : [];
  });
  return changed.concat(shadowedGlobals(ts, checker, sourceFile));
}

/** Module-level declarations hiding a global that generated code calls. */
function shadowedGlobals(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
): DiffError[] {
  return generatedGlobals.flatMap((name) => {
    const symbol = checker.resolveName(
      name,
      sourceFile,
      ts.SymbolFlags.Value,
      /*excludeGlobals*/ false,
    );
    const declaration = symbol?.declarations?.[0];
    if (!declaration || declaration.getSourceFile().hasNoDefaultLib) return [];
    return [
      new DiffError(
        ts.getNameOfDeclaration(declaration) ?? declaration,
        DiagnosticCode.ReservedName,
        `This module declares '${name}', which hides the global '${name}' that tsad's generated derivative code uses. Rename it (\`import { ${name} as my${name} }\` for an import).`,
      ),
    ];
  });
}

/** Turns an unexpected failure into a diagnostic too: a bug in tsad. */
function asDiffError(error: unknown, fn: MarkedFunction): DiffError {
  if (error instanceof DiffError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new DiffError(
    fn.nameNode,
    DiagnosticCode.InternalError,
    `tsad failed on '${fn.name}' (a bug in tsad; please report it): ${detail}`,
  );
}

/** A diagnostic at the offending node, pointing back at the function. */
function report(extras: TsadExtras, error: DiffError, fn?: MarkedFunction) {
  const ts = extras.ts;
  const at = (node: ts.Node) => ({
    file: node.getSourceFile(),
    start: node.getStart(),
    length: node.getWidth(),
  });
  extras.addDiagnostic({
    ...at(error.node),
    category: ts.DiagnosticCategory.Error,
    code: error.code,
    messageText: error.message,
    relatedInformation: [
      ...(fn
        ? [{ node: fn.nameNode, message: `when differentiating '${fn.name}'` }]
        : []),
      ...error.related,
    ].map(({ node, message }) => ({
      ...at(node),
      category: ts.DiagnosticCategory.Message,
      code: error.code,
      messageText: message,
    })),
  });
}

/** `TSAD_DEBUG=stages`: the code of `fn` after `stage`, on stderr. */
function debugStage(
  ts: typeof import("typescript"),
  emitter: Emitter,
  sourceFile: ts.SourceFile,
  stage: string,
  fn: FunctionIR,
) {
  const code = ts
    .createPrinter()
    .printNode(
      ts.EmitHint.Unspecified,
      emitter.functionDeclaration(fn, false),
      sourceFile,
    );
  process.stderr.write(`[tsad] after ${stage}:\n${code}\n`);
}
