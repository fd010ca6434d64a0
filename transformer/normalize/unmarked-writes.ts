/**
 * What running code tsad does not differentiate may change: the arrays and
 * objects an unmarked function (and what it calls, constructs, or is
 * handed as a callback) writes into, beyond those it creates itself.
 * hidden-writes.ts checks these against what a marked function reads;
 * call-targets.ts says which functions a call runs, fresh-objects.ts which
 * objects are made on the spot.
 *
 * A write is described by where its object comes from:
 *
 * - a parameter of the function (or its `this`): the caller's argument,
 *   known at each call;
 * - a module-level `const` holding a fresh array or object that its
 *   module only uses in place (`history.push(v)`, `stats.calls++`): a
 *   write at depth one changes that object only, which other code can
 *   read by its name alone;
 * - anything else (a `let`, a row or field of another object, a callback's
 *   parameter, a call that could run any code, `eval`): any array or
 *   object other code can reach.
 *
 * Functions declared in library files (the standard library, packages'
 * types; see `isLibraryFile`) are taken to change only their receiver
 * (unless known to only read it) or, for a few functions
 * (`Object.assign`, `Atomics.store`, `encodeInto`), the arguments listed,
 * and to call the functions they are given with any arguments. A write
 * into a property some setter of the program is named like runs it, and
 * may change anything. Getters, `valueOf`, iterators and other calls the
 * language makes implicitly are not read (see README).
 */
import type * as ts from "typescript";
import type { RelatedNode } from "../diagnostics";
import { forEachWrittenTarget, isAssignmentTarget } from "./outer-variables";
import {
  CallTargets,
  constructorOf,
  declaredByLibrary,
  declaredByStandardLibrary,
  isBuiltin,
  isLibraryFile,
  isNullish,
  propertyName,
  mayBeCallable,
} from "./call-targets";
import {
  FreshObjects,
  isInType,
  isMentionOf,
  isPrimitiveType,
} from "./fresh-objects";
import type { PatchedGlobals } from "./patched-globals";
import { importedFrom } from "../select";
import {
  accessRoot,
  isFieldBinding,
  isWrapper,
  skipWrappers,
} from "./wrappers";

/**
 * The values an argument gives: itself, or those named in a literal
 * (`{ ...source }`, `[source]`, `{ start: poke }`); methods written in
 * the literal are code of the function that makes it.
 */
/** The methods that turn an object into a string, a number or JSON. */
const coercions = ["toString", "valueOf", "toJSON", "[Symbol.toPrimitive]"];

/** The names of `type`'s fields that are accessors: reading one runs code. */
function accessorsOf(ts: typeof import("typescript"), type: ts.Type): string[] {
  return type
    .getProperties()
    .filter((p) =>
      p.declarations?.some(
        (d) =>
          (ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d)) &&
          !isLibraryFile(d.getSourceFile()),
      ),
    )
    .map((p) => p.name);
}

function objectsIn(
  ts: typeof import("typescript"),
  arg: ts.Expression,
): ts.Expression[] {
  const value = skipWrappers(
    ts,
    ts.isSpreadElement(arg) ? arg.expression : arg,
  );
  if (ts.isArrayLiteralExpression(value))
    return value.elements.flatMap((e) => objectsIn(ts, e));
  if (ts.isObjectLiteralExpression(value))
    return value.properties.flatMap((p) =>
      ts.isPropertyAssignment(p)
        ? objectsIn(ts, p.initializer)
        : ts.isShorthandPropertyAssignment(p)
          ? [p.name]
          : ts.isSpreadAssignment(p)
            ? objectsIn(ts, p.expression)
            : [],
    );
  return [value];
}

/** `this`, among a function's parameters. */
export const THIS = -1;

export interface ParameterWrite {
  readonly at: RelatedNode;
  /** Into a row or field of the argument, not the argument itself. */
  readonly deep: boolean;
  /** The parameter is `...rest`: every argument from its position. */
  readonly rest: boolean;
}

export interface Writes {
  /** By parameter position (`THIS` for `this`). */
  readonly params: Map<number, ParameterWrite>;
  /** Module-level objects only their own name reaches, written at depth one. */
  readonly own: Map<ts.Symbol, RelatedNode>;
  /** A write into an object any name could reach. */
  anything?: RelatedNode;
  /**
   * Variables declared outside the code that it assigns (`calls++` of a
   * module-level `let`), by declaration. A marked function may not read
   * one (TS96017), so hidden-writes.ts need not follow them; but unmarked
   * code may, and give back what the assignment kept (`writesNothing`).
   */
  readonly variables: Map<ts.Node, RelatedNode>;
  /**
   * A read that may run a getter of the program's that changes something
   * (`o.k`, `const { k } = o`): code the language runs implicitly, which
   * hidden-writes.ts leaves unseen (see README) and `writesNothing` not.
   */
  getter?: RelatedNode;
  /**
   * A call that may change state a library global keeps
   * (`performance.mark("k", { detail: v })`, `localStorage.setItem`): no
   * array or object of the program's changes (hidden-writes.ts), but a
   * library call may give the value back (`writesNothing`).
   */
  library?: RelatedNode;
}

export const noWrites = (): Writes => ({
  params: new Map(),
  own: new Map(),
  variables: new Map(),
});

type CallLike =
  ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression;

/** Code whose writes are summarized: a function, or what `new` of a class runs. */
type Runnable = ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration;

/**
 * The code whose own variables a write may change without changing
 * anything that existed before it ran: a function (its locals are made
 * anew by each call), a class being made, or a single call, whose
 * arguments all existed before it (`writesNothing`).
 */
type Scope = Runnable | CallLike;

/**
 * Library methods that leave their receiver as it is (and `DataView`'s
 * `getFloat64` and friends); any other method of a library type (`push`,
 * `sort`, `set`, `writeDoubleLE`, `getRandomValues`) may change it.
 */
const readers = new Set([
  "at",
  "concat",
  "entries",
  "every",
  "filter",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "flat",
  "flatMap",
  "forEach",
  "get",
  "has",
  "hasOwnProperty",
  "includes",
  "indexOf",
  "isPrototypeOf",
  "join",
  "keys",
  "lastIndexOf",
  "map",
  "propertyIsEnumerable",
  "reduce",
  "reduceRight",
  "slice",
  "some",
  "subarray",
  "toFixed",
  "toLocaleString",
  "toPrecision",
  "toReversed",
  "toSorted",
  "toSpliced",
  "toString",
  "valueOf",
  "values",
  "with",
]);
const changesReceiver = (method: string) =>
  !readers.has(method) &&
  !/^get(Float|Int|Uint|BigInt|BigUint)\d+$/.test(method);

/**
 * The library's namespaces, not classes, that keep nothing a call gives
 * them (their functions that change an argument are `argumentWriters`);
 * any other (`performance`, `localStorage`, `history`, `process`) may
 * keep a value for a later call to give back.
 */
const statelessNamespaces = new Set([
  "Atomics",
  "BigInt",
  "JSON",
  "Math",
  "Reflect",
  "console",
]);

/**
 * Functions of the library's namespaces that change some of their
 * arguments (by position); their other functions change nothing of the
 * program's. Those that set properties run the program's setters.
 */
const argumentWriters = new Map<string, readonly number[]>([
  ["Object.assign", [0]],
  ["Object.defineProperty", [0]],
  ["Object.defineProperties", [0]],
  ["Object.setPrototypeOf", [0]],
  // The fourth argument is the receiver a setter is run on.
  ["Reflect.set", [0, 3]],
  ["Reflect.defineProperty", [0]],
  ["Reflect.deleteProperty", [0]],
  ["Reflect.setPrototypeOf", [0]],
  ["Atomics.store", [0]],
  ["Atomics.add", [0]],
  ["Atomics.sub", [0]],
  ["Atomics.and", [0]],
  ["Atomics.or", [0]],
  ["Atomics.xor", [0]],
  ["Atomics.exchange", [0]],
  ["Atomics.compareExchange", [0]],
  ["crypto.getRandomValues", [0]],
]);
const settersRun = new Set(["Object.assign", "Reflect.set"]);

/**
 * Library methods that change an argument besides their receiver: a
 * string's `match` and `replace` set a global or sticky regular
 * expression's `lastIndex`.
 */
const methodArgumentWriters = new Map<string, readonly number[]>([
  ["encodeInto", [1]],
  ["match", [0]],
  ["replace", [0]],
  ["replaceAll", [0]],
]);

/**
 * The standard library's functions that change what an argument holds:
 * the buffers listed to transfer are detached.
 */
const functionArgumentWriters = new Map<string, readonly number[]>([
  ["structuredClone", [1]],
  ["postMessage", [1, 2]],
]);

export class UnmarkedWrites {
  private readonly summaries = new WeakMap<ts.Node, Writes>();
  /** Code being summarized: a call back into it is cut. */
  private readonly inProgress = new Set<ts.Node>();
  /** How many calls back have been cut: a summary that cut one is partial. */
  private cuts = 0;
  /** Variables whose values `writeInto` is following. */
  private readonly following = new Set<ts.Node>();

  /** Which functions a call runs; hidden-writes.ts resolves names with it too. */
  readonly targets: CallTargets;
  private readonly fresh: FreshObjects;

  /** `runtimeModule`: where the program imports tsad's runtime from. */
  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    program: ts.Program,
    patched: PatchedGlobals,
    private readonly runtimeModule: string,
  ) {
    this.targets = new CallTargets(ts, checker, program, patched);
    this.fresh = new FreshObjects(ts, checker, this.targets);
  }

  /**
   * `stopGradient(v)`, the runtime's: it gives `v` back and changes
   * nothing. (A user's program reads only the runtime's declarations.)
   */
  isStopGradient(call: CallLike): boolean {
    const { ts } = this;
    if (!ts.isCallExpression(call)) return false;
    const imported = importedFrom(
      ts,
      this.checker,
      skipWrappers(ts, call.expression),
    );
    return (
      imported?.specifier === this.runtimeModule &&
      imported.name === "stopGradient"
    );
  }

  /**
   * Whether a library `call` may keep what it is given where other code
   * reaches it: one that changes an object (`Reflect.set(globalThis, "k",
   * a)`, `list.push(a)`) may store its arguments there.
   */
  mayKeepArguments(call: CallLike): boolean {
    const { ts } = this;
    const callee = calleeOf(ts, call);
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const name = this.namespaceFunction(callee);
    return name !== undefined
      ? argumentWriters.has(name)
      : changesReceiver(callee.name.text);
  }

  /**
   * `Math.max`, `JSON.stringify`, `console.log`: a function (no class) of
   * a library namespace that is neither a class nor a function, which
   * does not use its `this` (`Float64Array.from` does: it makes a `this`).
   */
  private ignoresThis(fn: ts.Expression): boolean {
    const { ts, checker } = this;
    if (!ts.isPropertyAccessExpression(fn)) return false;
    const owner = skipWrappers(ts, fn.expression);
    const code = (e: ts.Expression) => {
      const type = checker.getTypeAtLocation(e);
      return type.getConstructSignatures().length > 0
        ? "class"
        : type.getCallSignatures().length > 0
          ? "function"
          : "value";
    };
    return (
      ts.isIdentifier(owner) &&
      this.targets.isLibraryNamespace(owner) &&
      code(owner) === "value" &&
      code(fn) === "function"
    );
  }

  /** `"Object.assign"` for `Object.assign`: a function of a library namespace. */
  /**
   * Whether a library global may keep what its methods are given: not a
   * namespace of functions that keep nothing, nor a class (`Array.from`,
   * `Float64Array.from`, `Date.now`), but `RegExp` (`RegExp.$1`).
   */
  private mayKeep(owner: ts.Expression): boolean {
    const { ts } = this;
    owner = skipWrappers(ts, owner);
    const name = nameOf(ts, owner);
    if (statelessNamespaces.has(name)) return false;
    return name === "RegExp" || !this.targets.isClassValue(owner);
  }

  private namespaceFunction(fn: ts.Expression): string | undefined {
    const { ts } = this;
    if (!ts.isPropertyAccessExpression(fn)) return undefined;
    const owner = skipWrappers(ts, fn.expression);
    return this.targets.isLibraryNamespace(owner)
      ? `${nameOf(ts, owner)}.${fn.name.text}`
      : undefined;
  }

  /** See FreshObjects. */
  isFresh(e: ts.Expression): boolean {
    return this.fresh.isFresh(e);
  }

  /** See FreshObjects. */
  isPrivateObject(declaration: ts.VariableDeclaration): boolean {
    return this.fresh.isPrivateObject(declaration);
  }

  /**
   * Whether `call` runs library code only: a declaration file's function,
   * given no function or class of the program's.
   */
  isLibraryCall(call: CallLike): boolean {
    const { ts } = this;
    const callee = calleeOf(ts, call);
    const args = argumentsOf(ts, call);
    const passesCode = args.some((arg) => {
      const value = skipWrappers(ts, arg);
      return (
        (this.targets.isClassValue(value) &&
          this.targets.classOf(value) !== "library") ||
        (this.targets.isFunctionValue(value) &&
          this.targets.functionsOf(value) !== "library")
      );
    });
    if (passesCode) return false;
    if (ts.isNewExpression(call))
      return this.targets.classOf(callee) === "library";
    if (
      isIndirectCall(ts, callee) &&
      this.targets.isFunctionValue(callee.expression)
    )
      return this.targets.functionsOf(callee.expression) === "library";
    return this.targets.functionsOf(callee) === "library";
  }

  /**
   * Whether `call` (of unmarked code, made in a marked function) changes
   * nothing that existed before it, directly or through what it runs: no
   * argument, receiver or object other code can reach, no variable
   * outside the functions it runs (`console.log(s)`; a helper computing
   * an index from its arguments). It then cannot keep what it is given
   * for other code to give back; it may still read what other code kept.
   * (A function written among its arguments is not read here, as
   * `addCallbacks` leaves it to the code around it: marked code has none,
   * a closure there being TS96003.)
   */
  writesNothing(call: CallLike): boolean {
    const writes = noWrites();
    // The call as the scope: every argument existed before it.
    this.addCall(call, call, writes);
    return (
      writes.params.size === 0 &&
      writes.own.size === 0 &&
      writes.anything === undefined &&
      writes.variables.size === 0 &&
      writes.getter === undefined &&
      writes.library === undefined
    );
  }

  /**
   * Adds to `writes` what `call`, made in `scope`, may change, with writes
   * into `scope`'s parameters as such.
   */
  addCall(call: CallLike, scope: Scope, writes: Writes): void {
    const { ts } = this;
    if (this.isStopGradient(call)) return;
    const callee = calleeOf(ts, call);
    const args = argumentsOf(ts, call);
    // `f.apply(self, args)` and `Reflect.apply(f, self, args)` pass what
    // `args` holds.
    const spread =
      (isIndirectCall(ts, callee) && callee.name.text === "apply") ||
      (ts.isPropertyAccessExpression(callee) &&
        callee.name.text === "apply" &&
        this.targets.isLibraryNamespace(callee.expression))
        ? args.slice(-1)
        : [];
    this.addCallbacks(args, spread, scope, writes);
    if (ts.isNewExpression(call) || callee.kind === ts.SyntaxKind.SuperKeyword)
      return this.addConstruction(call, callee, args, scope, writes);
    if (this.isEval(callee)) return void (writes.anything ??= unseen(call));
    if (
      isIndirectCall(ts, callee) &&
      this.targets.isFunctionValue(callee.expression)
    )
      return this.addIndirectCall(call, callee, args, scope, writes);
    const targets = this.targets.functionsOf(callee);
    if (targets === "library") {
      const receiver = ts.isPropertyAccessExpression(callee)
        ? skipWrappers(ts, callee.expression)
        : undefined;
      this.addMethodsOf(call, callee, undefined, args, scope, writes);
      return this.libraryCall(call, callee, receiver, args, scope, writes);
    }
    if (targets === "unknown") return void (writes.anything ??= unseen(call));
    const receiver = ts.isPropertyAccessExpression(callee)
      ? callee.expression
      : undefined;
    for (const fn of targets)
      this.apply(this.summaryOf(fn), args, receiver, scope, writes);
    if (receiver && ts.isPropertyAccessExpression(callee))
      this.asLibraryObject(
        callee.name.text,
        receiver,
        args,
        call,
        scope,
        writes,
      );
  }

  /**
   * Library code may call methods of what it is given. What its
   * signature says it calls (`new ReadableStream(source)` runs
   * `source.start`): the methods of those names run, on the argument. And
   * code that calls a function it is given may hand on anything it is
   * given, as `this` too (`Reflect.construct(C, [source])`,
   * `Array.prototype.toString.call(src)` runs `src.join`): there the
   * methods named like what the arguments (or the objects in a literal)
   * hold may run.
   */
  private addMethodsOf(
    call: CallLike,
    fn: ts.Expression,
    self: ts.Expression | undefined,
    args: readonly ts.Expression[],
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts, checker } = this;
    const run = (names: Iterable<string>, receiver: ts.Expression): boolean => {
      for (const name of names) {
        if (this.hasLibraryMethod(receiver, name)) continue;
        const methods = this.targets.methodsNamedText(name);
        if (methods === "unknown") {
          writes.anything ??= unseen(call);
          return false;
        }
        for (const method of methods)
          this.apply(
            this.summaryOf(method),
            undefined,
            receiver,
            scope,
            writes,
          );
      }
      return true;
    };
    // Library code may turn what it is given into a string or a number,
    // or read all its fields (`String(o)`, `console.log("%s", o)`,
    // `JSON.stringify(o)`, `Object.values(o)`): the object's `toString`,
    // `valueOf`, `toJSON`, `[Symbol.toPrimitive]` and getters run.
    for (const value of args.flatMap((a) => objectsIn(ts, a))) {
      const type = checker.getTypeAtLocation(value);
      if (
        this.ownObject(type) &&
        !run([...coercions, ...accessorsOf(ts, type)], value)
      )
        return;
    }
    // A library method run on another object calls what it would call
    // on its own kind (`Array.prototype.toString.call(src)`: `src.join`).
    if (self !== undefined && ts.isPropertyAccessExpression(fn))
      if (
        !run(
          this.methodNames(checker.getTypeAtLocation(fn.expression), true),
          self,
        )
      )
        return;
    if (self !== undefined || this.callsFunctions(fn, args)) {
      const values = [...(self ? [self] : []), ...args].flatMap((a) =>
        objectsIn(ts, a),
      );
      // What a library function or class among them would call, on any
      // of them (`Reflect.construct(ReadableStream, [source])`: `start`).
      const handedOn = new Set<string>();
      for (const value of values)
        if (
          (this.targets.isFunctionValue(value) ||
            this.targets.isClassValue(value)) &&
          this.targets.functionsOf(value) === "library"
        )
          for (const name of this.calledBy(value)) handedOn.add(name);
      for (const value of values)
        if (
          !run(
            [
              ...this.methodNames(checker.getTypeAtLocation(value), false),
              ...handedOn,
            ],
            value,
          )
        )
          return;
      return;
    }
    const resolved = checker.getResolvedSignature(call);
    const declaration = resolved?.getDeclaration();
    // The signature as declared: `Map#set(key: K, value: V)` calls nothing
    // of a `V`, whatever type the program gives it.
    const signature =
      declaration && checker.getSignatureFromDeclaration(declaration);
    if (!signature) return;
    const parameters = signature.getParameters();
    const spread = args.findIndex((a) => ts.isSpreadElement(a));
    args.forEach((arg, i) => {
      const at =
        spread !== -1 && i >= spread
          ? parameters.slice(spread)
          : [parameters[Math.min(i, parameters.length - 1)]];
      for (const parameter of at) {
        if (!parameter) continue;
        const declared = parameter.valueDeclaration;
        const rest =
          declared !== undefined &&
          ts.isParameter(declared) &&
          declared.dotDotDotToken !== undefined;
        const type = checker.getTypeOfSymbol(parameter);
        const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
        const receiver = ts.isSpreadElement(arg) ? arg.expression : arg;
        run(this.methodNames(rest && element ? element : type, true), receiver);
      }
    });
  }

  /**
   * Whether `receiver`'s method `name` is the library's, whatever methods
   * of the program are named: `receiver` is a primitive, or an array (or
   * a typed array) of primitives, no program class extending a library
   * class has a method of that name, and no code reaches a library
   * prototype.
   * (`Float64Array.from(xs)` runs `xs[Symbol.iterator]`, the library's.)
   */
  private hasLibraryMethod(receiver: ts.Expression, name: string): boolean {
    const { ts } = this;
    const type = this.checker.getTypeAtLocation(receiver);
    const symbol = type.getSymbol();
    // A number, a string, a boolean: its methods are its prototype's
    // (`xs.concat(c)` may read `c.slice` where `c` is an array).
    const primitive =
      (type.flags &
        (ts.TypeFlags.NumberLike |
          ts.TypeFlags.StringLike |
          ts.TypeFlags.BooleanLike |
          ts.TypeFlags.BigIntLike)) !==
      0;
    return (
      (primitive ||
        (declaredByStandardLibrary(symbol) &&
          /^(Readonly)?Array$|^\w+Array$/.test(symbol.name))) &&
      !this.ownObject(type) &&
      !this.targets.overridden(name) &&
      !this.targets.prototypeReached()
    );
  }

  /**
   * Whether a value of `type` may be an object of the program's or a
   * package's, or hold one (an array's elements): not a primitive, nor
   * an object the standard library makes of primitives.
   */
  ownObject(type: ts.Type, seen = new Set<ts.Type>()): boolean {
    const { ts, checker } = this;
    if (seen.has(type)) return false;
    seen.add(type);
    if (type.isUnionOrIntersection())
      return type.types.some((t) => this.ownObject(t, seen));
    // A function's own code runs when it is called (`callsFunctions`).
    if (isPrimitiveType(ts, type) || type.getCallSignatures().length > 0)
      return false;
    const symbol = type.getSymbol();
    // `globalThis` is declared by no file.
    if (symbol?.declarations?.length && !declaredByStandardLibrary(symbol))
      return true;
    return (
      (checker.isArrayType(type) || checker.isTupleType(type)) &&
      checker
        .getTypeArguments(type as ts.TypeReference)
        .some((t) => this.ownObject(t, seen))
    );
  }

  /**
   * The names of the fields of `type` (and of the objects in it, elements
   * too) that may hold a function; with `builtins` false, not the
   * standard library's own methods of an array, a map, a string ...
   */
  private methodNames(type: ts.Type, builtins: boolean): Set<string> {
    const { ts, checker } = this;
    const names = new Set<string>();
    const seen = new Set<ts.Type>();
    const fields = (type: ts.Type): void => {
      if (seen.has(type)) return;
      seen.add(type);
      if (type.isUnionOrIntersection()) return type.types.forEach(fields);
      // A number's methods are the library's; no type says what `any`
      // holds, nor what a type parameter will be.
      if (
        isPrimitiveType(ts, type) ||
        type.flags &
          (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)
      )
        return;
      const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
      if (element) fields(element);
      // An array's, a map's own methods are the library's to call.
      const builtin = isBuiltin(type.getSymbol());
      for (const field of type.getProperties()) {
        const fromLibrary: boolean = declaredByLibrary(field);
        if (fromLibrary && builtin && !builtins) continue;
        const fieldType = checker.getTypeOfSymbol(field);
        if (mayBeCallable(ts, fieldType)) names.add(field.name);
        else fields(fieldType);
      }
    };
    fields(type);
    return names;
  }

  /**
   * Whether the library function `fn` takes a function to call, as `this`
   * too; given `args`, one of them (`JSON.stringify(state)` calls no
   * replacer).
   */
  private callsFunctions(
    fn: ts.Expression,
    args?: readonly ts.Expression[],
  ): boolean {
    const { ts, checker } = this;
    const type = checker.getTypeAtLocation(fn);
    const spread = args?.findIndex((a) => ts.isSpreadElement(a)) ?? -1;
    const given = (i: number) =>
      args === undefined || i < args.length || (spread !== -1 && spread <= i);
    return [...type.getCallSignatures(), ...type.getConstructSignatures()].some(
      (signature) =>
        (signature.thisParameter !== undefined &&
          this.holdsFunctions(
            checker.getTypeOfSymbol(signature.thisParameter),
          )) ||
        signature.parameters.some(
          (p, i) => given(i) && this.holdsFunctions(checker.getTypeOfSymbol(p)),
        ),
    );
  }

  /**
   * What the library function or class `fn` may call of what it is given:
   * the methods its parameters' types name, and those of its own kind
   * (`Array.prototype.toString`: `join`).
   */
  private calledBy(fn: ts.Expression): Set<string> {
    const { ts, checker } = this;
    const names = new Set<string>();
    const type = checker.getTypeAtLocation(fn);
    for (const signature of [
      ...type.getCallSignatures(),
      ...type.getConstructSignatures(),
    ])
      for (const p of signature.parameters)
        for (const name of this.methodNames(checker.getTypeOfSymbol(p), true))
          names.add(name);
    const owner = skipWrappers(ts, fn);
    if (ts.isPropertyAccessExpression(owner))
      for (const name of this.methodNames(
        checker.getTypeAtLocation(owner.expression),
        true,
      ))
        names.add(name);
    return names;
  }

  /**
   * Whether values of `type` are declared to be functions (or arrays of
   * them): what library code takes to call. (Not `any`: the library's
   * own signatures say what they call.)
   */
  private holdsFunctions(type: ts.Type): boolean {
    const { ts, checker } = this;
    if (type.isUnionOrIntersection())
      return type.types.some((t) => this.holdsFunctions(t));
    const symbol = type.getSymbol();
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    return (
      type.getCallSignatures().length > 0 ||
      (declaredByLibrary(symbol) && /Function$/.test(symbol.name)) ||
      (element !== undefined &&
        checker.isArrayType(type) &&
        this.holdsFunctions(element))
    );
  }

  /**
   * Whether a library method that changes `receiver` (`push`, `fill`)
   * may run the program's setters: it sets elements and `length`, and
   * the receiver may be a program's object (`Array.prototype.push.call(o,
   * 1)`, a subclass of `Array`) with setters of those names.
   */
  private mayRunSetters(receiver: ts.Expression): boolean {
    return (
      this.targets.mayBeSetter(undefined) &&
      !declaredByLibrary(this.checker.getTypeAtLocation(receiver).getSymbol())
    );
  }

  /** `f.call(self, a)`, `f.apply(self, [a])`, `Array.prototype.fill.call(data, 0)`. */
  private addIndirectCall(
    call: CallLike,
    callee: ts.PropertyAccessExpression,
    args: ts.Expression[],
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    const self = args[0];
    const targets = this.targets.functionsOf(callee.expression);
    if (targets === "unknown") return void (writes.anything ??= unseen(call));
    // `apply`'s arguments are in an array: positions unknown.
    const passed = callee.name.text === "call" ? args.slice(1) : undefined;
    if (targets === "library") {
      const fn = skipWrappers(ts, callee.expression);
      // `Math.max.apply(null, xs)`: no `this` at all.
      const receiver =
        isNullish(ts, self) || this.ignoresThis(fn) ? undefined : self;
      this.addMethodsOf(call, fn, receiver, args.slice(1), scope, writes);
      // A package's function may change its `this` too.
      if (receiver && this.targets.fromPackage(fn))
        this.writeAll([receiver], call, scope, writes);
      return this.libraryCall(call, fn, receiver, passed, scope, writes);
    }
    for (const fn of targets)
      this.apply(this.summaryOf(fn), passed, self, scope, writes);
    const method = skipWrappers(ts, callee.expression);
    if (self && ts.isPropertyAccessExpression(method))
      this.asLibraryObject(method.name.text, self, passed, call, scope, writes);
  }

  /**
   * What a library function `fn` changes, run on `self` with `passed`
   * (`undefined`: arguments at unknown positions): a package's function
   * anything it is given (`readSync(fd, bytes)`, `buffer.copy(target)`);
   * the standard library's its receiver or the arguments listed.
   */
  private libraryCall(
    call: CallLike,
    fn: ts.Expression,
    self: ts.Expression | undefined,
    passed: readonly ts.Expression[] | undefined,
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    if (this.targets.fromPackage(fn))
      this.writeAll(passed, call, scope, writes);
    const method = nameOf(ts, fn);
    // `structuredClone`, `globalThis.structuredClone`, `port.postMessage`.
    const detached = functionArgumentWriters.get(method);
    this.writeArguments(passed, detached, true, call, scope, writes);
    // `Object.assign(...)`, `Object.assign.call(o, ...)`; but
    // `Array.prototype.fill.call(data, 0)` fills `data`.
    const name = this.namespaceFunction(fn);
    const direct =
      ts.isPropertyAccessExpression(fn) &&
      self === skipWrappers(ts, fn.expression);
    // Run on it or on another object (`performance.mark.call(p, s)`).
    if (
      name !== undefined &&
      ts.isPropertyAccessExpression(fn) &&
      changesReceiver(method) &&
      this.mayKeep(fn.expression)
    ) {
      writes.library ??= {
        node: call,
        message: `'${fn.getText()}' may keep what it is given`,
      };
    }
    if (
      name !== undefined &&
      (direct || argumentWriters.has(name) || settersRun.has(name))
    ) {
      if (settersRun.has(name) && this.targets.mayBeSetter(undefined))
        return void (writes.anything ??= unseen(call));
      const written = argumentWriters.get(name);
      return this.writeArguments(passed, written, false, call, scope, writes);
    }
    if (self) {
      if (changesReceiver(method) && this.mayRunSetters(self))
        return void (writes.anything ??= unseen(call));
      this.asLibraryObject(method, self, passed, call, scope, writes);
    } else {
      const written = methodArgumentWriters.get(method);
      this.writeArguments(passed, written, false, call, scope, writes);
    }
  }

  /** Deep writes into every argument (`undefined`: not known). */
  private writeAll(
    args: readonly ts.Expression[] | undefined,
    call: CallLike,
    scope: Scope,
    writes: Writes,
  ): void {
    if (args === undefined) return void (writes.anything ??= unseen(call));
    for (const arg of args) {
      const value = this.ts.isSpreadElement(arg) ? arg.expression : arg;
      if (!this.targets.isPrimitive(value))
        this.writeInto(value, call, scope, writes, true);
    }
  }

  /**
   * A library object's method `method` run on `receiver` (which may be
   * there under a program's type: a `Float64Array` as `{ fill(v: number):
   * unknown }`): `fill` changes it, `encodeInto` an argument (of
   * `passed`; `undefined`: unknown).
   */
  private asLibraryObject(
    method: string,
    receiver: ts.Expression,
    passed: readonly ts.Expression[] | undefined,
    call: CallLike,
    scope: Scope,
    writes: Writes,
  ): void {
    if (changesReceiver(method) && !this.targets.isPrimitive(receiver))
      this.writeInto(receiver, call, scope, writes, false);
    const written = methodArgumentWriters.get(method);
    this.writeArguments(passed, written, false, call, scope, writes);
  }

  /**
   * Writes into the arguments at `positions` of `args` (`undefined`: not
   * known, as after a spread, which could put any value anywhere).
   */
  private writeArguments(
    args: readonly ts.Expression[] | undefined,
    positions: readonly number[] | undefined,
    deep: boolean,
    call: CallLike,
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    for (const i of positions ?? []) {
      if (
        args === undefined ||
        args.slice(0, i + 1).some((a) => ts.isSpreadElement(a))
      )
        return void (writes.anything ??= unseen(call));
      const arg = args[i];
      if (arg && !this.targets.isPrimitive(arg))
        this.writeInto(arg, call, scope, writes, deep);
    }
  }

  /**
   * `new C(a)` and `super(a)`: a class's field initializers and
   * constructor, its base class's first. `this` there is the object being
   * made; a library class writes nothing.
   */
  private addConstruction(
    call: CallLike,
    callee: ts.Expression,
    args: ts.Expression[],
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    const cls =
      callee.kind === ts.SyntaxKind.SuperKeyword
        ? this.targets.baseClassOf(ts.findAncestor(call, ts.isClassLike))
        : this.targets.classOf(callee);
    // A package's constructor may fill what it is given.
    if (cls === undefined) return void (writes.anything ??= unseen(call));
    // A class with no constructor of its own, down from a library's, is
    // made by the library's.
    const made =
      cls === "library"
        ? skipWrappers(ts, callee)
        : this.targets.libraryBaseOf(cls, /*untilConstructor*/ true);
    if (made) {
      this.addMethodsOf(call, made, undefined, args, scope, writes);
      if (this.targets.fromPackage(made))
        this.writeAll(args, call, scope, writes);
    }
    if (cls !== "library")
      this.apply(this.summaryOf(cls), args, undefined, scope, writes);
  }

  /** `fn`'s writes, made at a call with `args` (`undefined`: unknown) on `receiver`. */
  private apply(
    fn: Writes,
    args: readonly ts.Expression[] | undefined,
    receiver: ts.Expression | undefined,
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    for (const [symbol, at] of fn.own)
      if (!writes.own.has(symbol)) writes.own.set(symbol, at);
    writes.anything ??= fn.anything;
    writes.getter ??= fn.getter;
    writes.library ??= fn.library;
    // A closure's writes into the variables of the code that calls it
    // change what that code made.
    for (const [declaration, at] of fn.variables)
      if (!contains(scope, declaration) && !writes.variables.has(declaration))
        writes.variables.set(declaration, at);
    const spread = args?.some((a) => ts.isSpreadElement(a));
    for (const [index, write] of fn.params) {
      const passed =
        index === THIS
          ? receiver && [receiver]
          : args === undefined || spread
            ? undefined
            : write.rest
              ? args.slice(index)
              : args.slice(index, index + 1);
      if (passed === undefined) writes.anything ??= write.at;
      else
        for (const arg of passed)
          this.writeInto(arg, write.at, scope, writes, write.deep);
    }
  }

  /**
   * Functions and classes passed as values: whoever gets them may call
   * them with any arguments. A function written in place is read where it
   * stands. `spread`: arguments whose elements are passed (`apply`'s).
   */
  private addCallbacks(
    args: readonly ts.Expression[],
    spread: readonly ts.Expression[],
    scope: Scope,
    writes: Writes,
  ): void {
    const { ts } = this;
    const unseenValue = (arg: ts.Expression): RelatedNode => ({
      node: arg,
      message: `tsad cannot see what '${arg.getText()}' changes`,
    });
    // So are the elements of an array spread (`...callbacks`), which may
    // be functions.
    for (const arg of args) {
      const value = skipWrappers(ts, arg);
      const list = ts.isSpreadElement(value)
        ? value.expression
        : spread.includes(arg) && !ts.isArrayLiteralExpression(value)
          ? value
          : undefined;
      const elements =
        list &&
        this.checker.getIndexTypeOfType(
          this.checker.getTypeAtLocation(list),
          ts.IndexKind.Number,
        );
      if (list && (!elements || mayBeCallable(ts, elements)))
        writes.anything ??= unseenValue(arg);
    }
    // Functions in literals are passed too (`f.apply(o, [callback])`).
    for (const value of args.flatMap((arg) => objectsIn(ts, arg))) {
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) continue;
      if (this.targets.isClassValue(value)) {
        const cls = this.targets.classOf(value);
        if (cls === undefined) writes.anything ??= unseenValue(value);
        else if (cls !== "library")
          this.apply(this.summaryOf(cls), undefined, undefined, scope, writes);
        continue;
      }
      if (!this.targets.isFunctionValue(value)) continue;
      const targets = this.targets.functionsOf(value);
      if (targets === "unknown") writes.anything ??= unseenValue(value);
      else if (targets === "library") {
        // Run with the caller's `this` and arguments, `forEach` and `call`
        // run the functions among them (`[poke].forEach(Array.prototype.forEach, [0])`).
        if (
          changesReceiver(nameOf(ts, value)) ||
          this.targets.fromPackage(value) ||
          this.callsFunctions(value)
        )
          writes.anything ??= unseenValue(value);
      } else
        for (const fn of targets)
          this.apply(this.summaryOf(fn), undefined, undefined, scope, writes);
    }
  }

  /** What running `fn` (or constructing `fn`'s class) may change. */
  summaryOf(fn: Runnable): Writes {
    const known = this.summaries.get(fn);
    if (known) return known;
    if (this.inProgress.has(fn)) {
      // A call back into code being read: until its summary is whole, it
      // may write into every parameter.
      this.cuts++;
      return this.everyParameter(fn);
    }
    const writes = noWrites();
    const cutsBefore = this.cuts;
    this.inProgress.add(fn);
    try {
      this.collect(fn, writes);
    } finally {
      this.inProgress.delete(fn);
    }
    if (this.cuts === cutsBefore) this.summaries.set(fn, writes);
    return writes;
  }

  private everyParameter(fn: Runnable): Writes {
    const { ts } = this;
    const writes = noWrites();
    const params = ts.isClassLike(fn)
      ? (constructorOf(ts, fn)?.parameters ?? [])
      : realParameters(ts, fn);
    const at = { node: fn, message: "it calls itself here" };
    params.forEach((p, i) =>
      writes.params.set(i, { at, deep: true, rest: !!p.dotDotDotToken }),
    );
    writes.params.set(THIS, { at, deep: true, rest: false });
    return writes;
  }

  private collect(fn: Runnable, writes: Writes): void {
    const { ts } = this;
    const assigned = (target: ts.Expression, at: ts.Node): void => {
      if (ts.isIdentifier(target))
        return this.assignVariable(target, at, fn, writes);
      if (
        ts.isElementAccessExpression(target) ||
        ts.isPropertyAccessExpression(target)
      ) {
        const property = propertyName(ts, target);
        if (this.targets.mayBeSetter(property))
          writes.anything ??= {
            node: at,
            message: `'${property ?? target.getText()}' may be a setter, which tsad does not read`,
          };
        this.writeInto(target.expression, at, fn, writes, false);
      }
    };
    const visit = (node: ts.Node): void => {
      const read = this.getterRead(node);
      if (read) writes.getter ??= read;
      if (forEachWrittenTarget(ts, node, (target) => assigned(target, node))) {
        // Its value, if it has one, is visited with its children.
      } else if (
        ts.isCallExpression(node) ||
        ts.isNewExpression(node) ||
        ts.isTaggedTemplateExpression(node)
      )
        this.addCall(node, fn, writes);
      // Calls the language makes that tsad does not read: a decorator runs
      // where its class is defined, `using` runs `[Symbol.dispose]()`.
      else if (ts.isDecorator(node))
        writes.anything ??= {
          node,
          message: "tsad does not read what a decorator changes",
        };
      else if (
        ts.isVariableDeclarationList(node) &&
        (node.flags & ts.NodeFlags.Using) !== 0
      )
        writes.anything ??= {
          node,
          message: "tsad does not read what a disposer ('using') changes",
        };
      ts.forEachChild(node, visit);
    };
    if (!ts.isClassLike(fn)) {
      for (const p of fn.parameters) visit(p);
      if (fn.body) visit(fn.body);
      return;
    }
    // A decorator may replace the class, or run code as it makes one.
    if (
      [fn, ...fn.members].some(
        (m) =>
          ts.canHaveDecorators(m) && (ts.getDecorators(m)?.length ?? 0) > 0,
      )
    )
      writes.anything ??= {
        node: fn,
        message: "tsad cannot see what its decorators run",
      };
    const constructor = constructorOf(ts, fn);
    if (!constructor) {
      // No constructor: the base class's runs, with the same arguments.
      const base = this.targets.baseClassOf(fn);
      if (base === undefined)
        writes.anything ??= {
          node: fn,
          message: "tsad cannot see what its base class changes",
        };
      else if (base !== "library") {
        const inner = this.summaryOf(base);
        for (const [symbol, at] of inner.own) writes.own.set(symbol, at);
        writes.anything ??= inner.anything;
        writes.getter ??= inner.getter;
        for (const [declaration, at] of inner.variables)
          writes.variables.set(declaration, at);
        for (const [i, write] of inner.params) writes.params.set(i, write);
      }
    }
    for (const member of fn.members)
      if (
        ts.isPropertyDeclaration(member) &&
        member.initializer &&
        !member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)
      )
        visit(member.initializer);
    if (constructor) {
      for (const p of constructor.parameters) visit(p);
      if (constructor.body) visit(constructor.body);
    }
  }

  /**
   * `count++`, `[a, b] = pair`: an assignment by code `fn` of a variable,
   * which counts if declared outside it. A name no code declares is a
   * property of the global object.
   */
  private assignVariable(
    name: ts.Identifier,
    at: ts.Node,
    fn: Runnable,
    writes: Writes,
  ): void {
    const declaration = this.targets.symbolOf(name)?.valueDeclaration;
    const write = { node: at, message: `it assigns '${name.text}' here` };
    if (!declaration) return void (writes.anything ??= write);
    // A function's own name is the binding of the code around it.
    if (declaration === fn || !contains(fn, declaration))
      if (!writes.variables.has(declaration))
        writes.variables.set(declaration, write);
  }

  /**
   * The read `node` makes if it may run a getter of the program's that
   * changes something: `o.k`, `o["k"]`, `o[key]`, `const { k } = o`, `{
   * ...o }`; not an array's element or `length`.
   */
  private getterRead(node: ts.Node): RelatedNode | undefined {
    const { ts } = this;
    const read = (name: string | undefined): RelatedNode | undefined =>
      this.targets.mayBeWritingGetter(name)
        ? {
            node,
            message: `'${node.getText()}' may run a getter, which tsad does not read`,
          }
        : undefined;
    // A method called is a call's to answer for.
    const called = (access: ts.Expression) =>
      ts.isCallExpression(access.parent) && access.parent.expression === access;
    if (
      ts.isPropertyAccessExpression(node) ||
      ts.isElementAccessExpression(node)
    )
      return !isAssignmentTarget(ts, node) &&
        !called(node) &&
        this.targets.mayRunGetter(node)
        ? read(propertyName(ts, node))
        : undefined;
    if (isFieldBinding(ts, node)) {
      const key = node.dotDotDotToken
        ? undefined
        : (node.propertyName ?? node.name);
      return read(
        key && (ts.isIdentifier(key) || ts.isStringLiteralLike(key))
          ? key.text
          : undefined,
      );
    }
    if (ts.isSpreadAssignment(node)) return read(undefined);
    return undefined;
  }

  /** Records that code in `scope` changes the array or object `object` evaluates to. */
  private writeInto(
    object: ts.Expression,
    at: ts.Node | RelatedNode,
    scope: Scope,
    writes: Writes,
    deep: boolean,
  ): void {
    const { ts } = this;
    // A write inside a callee keeps its own words.
    const write = (): RelatedNode =>
      "message" in at
        ? at
        : { node: at, message: `it writes into '${object.getText()}' here` };
    object = skipWrappers(ts, object);
    if (!deep && this.fresh.isFresh(object)) return;
    if (object.kind === ts.SyntaxKind.ThisKeyword)
      return this.writeIntoThis(object, write(), scope, writes, deep);
    if (!ts.isIdentifier(object)) {
      if (
        !deep &&
        ts.isElementAccessExpression(object) &&
        this.isOwnRows(object.expression, scope)
      )
        return;
      // Reached from another object: a row, a field.
      const root = rootOf(ts, object);
      if (root) return this.writeInto(root, write(), scope, writes, true);
      return void (writes.anything ??= write());
    }
    const declaration = this.targets.symbolOf(object)?.valueDeclaration;
    if (declaration && ts.isParameter(declaration)) {
      const fn = ts.isClassLike(scope)
        ? constructorOf(ts, scope)
        : ts.isFunctionLike(scope)
          ? scope
          : undefined;
      const index = fn ? realParameters(ts, fn).indexOf(declaration) : -1;
      // A default or an assignment can make it hold anything.
      if (
        index < 0 ||
        declaration.initializer ||
        isReassigned(ts, this.checker, declaration, fn!)
      )
        return void (writes.anything ??= write());
      const known = writes.params.get(index);
      writes.params.set(index, {
        at: known?.at ?? write(),
        deep: deep || !!known?.deep,
        rest: !!declaration.dotDotDotToken,
      });
      return;
    }
    if (!declaration || !ts.isVariableDeclaration(declaration))
      return void (writes.anything ??= write());
    if (contains(scope, declaration)) {
      if (!deep && this.isOwnRow(declaration, scope)) return;
      const values = valuesOf(ts, this.checker, declaration, scope);
      // `t = t`, `a = b; b = a`: no value of its own.
      if (values && !this.following.has(declaration)) {
        this.following.add(declaration);
        for (const value of values)
          if (!this.fresh.isFresh(value))
            this.writeInto(value, at, scope, writes, deep);
          else if (deep) writes.anything ??= write();
        this.following.delete(declaration);
        return;
      }
    } else if (!deep && this.fresh.isPrivateObject(declaration)) {
      const symbol = this.targets.symbolOf(object)!;
      if (!writes.own.has(symbol)) writes.own.set(symbol, write());
      return;
    }
    writes.anything ??= write();
  }

  /** `for (const row of rows)`, with `rows` as `isOwnRows` says. */
  private isOwnRow(declaration: ts.VariableDeclaration, scope: Scope) {
    const { ts } = this;
    const loop = declaration.parent.parent;
    return (
      ts.isForOfStatement(loop) &&
      (declaration.parent.flags & ts.NodeFlags.Const) !== 0 &&
      this.isOwnRows(loop.expression, scope)
    );
  }

  /**
   * Whether `rows` is a local `const` of `scope` holding a new array of
   * fresh arrays (`[[0, 0], [0, 0]]`, `[]` given fresh arrays by `push`,
   * `Array.from(n, () => [0, 0])`) that code only indexes by number,
   * iterates, measures or
   * pushes fresh arrays into: each call makes its rows anew and nothing
   * puts another object among them, so writing into one of them changes
   * nothing that existed before the call.
   */
  private isOwnRows(rows: ts.Expression, scope: Scope): boolean {
    const { ts, checker } = this;
    rows = skipWrappers(ts, rows);
    if (!ts.isIdentifier(rows)) return false;
    const symbol = this.targets.symbolOf(rows);
    const declaration = symbol?.valueDeclaration;
    if (
      !declaration ||
      !ts.isVariableDeclaration(declaration) ||
      !ts.isIdentifier(declaration.name) ||
      (declaration.parent.flags & ts.NodeFlags.Const) === 0 ||
      !declaration.initializer ||
      !contains(scope, declaration)
    )
      return false;
    const name = declaration.name;
    const made = skipWrappers(ts, declaration.initializer);
    const freshRows = (elements: readonly ts.Expression[]) =>
      elements.every((e) => !ts.isSpreadElement(e) && this.fresh.isFresh(e));
    if (
      !this.fresh.isFresh(made) ||
      !(ts.isArrayLiteralExpression(made)
        ? freshRows(made.elements)
        : this.makesFreshRows(made))
    )
      return false;
    const numeric = (e: ts.Expression) =>
      (checker.getTypeAtLocation(e).flags & ts.TypeFlags.NumberLike) !== 0;
    const inPlace = (use: ts.Node): boolean => {
      const parent = use.parent;
      if (ts.isForOfStatement(parent)) return parent.expression === use;
      if (ts.isElementAccessExpression(parent))
        return (
          parent.expression === use &&
          numeric(parent.argumentExpression) &&
          !isAssignmentTarget(ts, parent)
        );
      if (
        !ts.isPropertyAccessExpression(parent) ||
        isAssignmentTarget(ts, parent)
      )
        return false;
      if (parent.name.text === "length") return true;
      const call = parent.parent;
      return (
        parent.name.text === "push" &&
        declaredByStandardLibrary(checker.getSymbolAtLocation(parent.name)) &&
        ts.isCallExpression(call) &&
        call.expression === parent &&
        freshRows(call.arguments)
      );
    };
    let inPlaceOnly = true;
    const visit = (node: ts.Node): void => {
      if (isMentionOf(ts, checker, node, name, symbol) && !isInType(ts, node)) {
        let use: ts.Node = node;
        while (isWrapper(ts, use.parent)) use = use.parent;
        inPlaceOnly &&= inPlace(use);
      }
      if (inPlaceOnly) ts.forEachChild(node, visit);
    };
    visit(scope);
    return inPlaceOnly;
  }

  /**
   * `Array.from(source, () => [0, 0])`, `list.map(() => new Array(n))`:
   * a new array of what a callback makes fresh each time.
   */
  private makesFreshRows(e: ts.Expression): boolean {
    const { ts } = this;
    if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression))
      return false;
    const method = e.expression.name.text;
    const callback =
      method === "from"
        ? e.arguments[1]
        : method === "map"
          ? e.arguments[0]
          : undefined;
    if (
      callback === undefined ||
      !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))
    )
      return false;
    const body = callback.body;
    if (!ts.isBlock(body)) return this.fresh.isFresh(body);
    let fresh = true;
    const visit = (node: ts.Node): void => {
      if (ts.isReturnStatement(node))
        fresh &&=
          node.expression !== undefined && this.fresh.isFresh(node.expression);
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
    return fresh;
  }

  /** `this` is the object being made in a constructor, else the receiver. */
  private writeIntoThis(
    node: ts.Node,
    at: RelatedNode,
    scope: Scope,
    writes: Writes,
    deep: boolean,
  ): void {
    const { ts } = this;
    let owner = node.parent;
    while (ts.isArrowFunction(owner) || !isThisOwner(ts, owner))
      owner = owner.parent;
    // The object being made is fresh, not what its fields were given; with
    // a base class, `this` is what the base's constructor returned.
    if (
      ts.isClassLike(scope) &&
      (ts.isConstructorDeclaration(owner) || ts.isPropertyDeclaration(owner))
    ) {
      const extended = scope.heritageClauses?.some(
        (h) => h.token === ts.SyntaxKind.ExtendsKeyword,
      );
      if (deep || extended) writes.anything ??= at;
      return;
    }
    if (owner !== scope) return void (writes.anything ??= at);
    const known = writes.params.get(THIS);
    writes.params.set(THIS, {
      at: known?.at ?? at,
      deep: deep || !!known?.deep,
      rest: false,
    });
  }

  /** `eval`, `globalThis.eval`, `window.eval`. */
  private isEval(callee: ts.Expression): boolean {
    const { ts } = this;
    const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    return (
      ts.isIdentifier(name) &&
      name.text === "eval" &&
      (ts.isIdentifier(callee) ||
        declaredByLibrary(this.targets.symbolOf(name)))
    );
  }
}

function calleeOf(ts: typeof import("typescript"), call: CallLike) {
  return ts.isTaggedTemplateExpression(call)
    ? call.tag
    : skipWrappers(ts, call.expression);
}

function argumentsOf(
  ts: typeof import("typescript"),
  call: CallLike,
): ts.Expression[] {
  if (!ts.isTaggedTemplateExpression(call)) return [...(call.arguments ?? [])];
  // The strings, then each `${...}`.
  const { template } = call;
  return [
    template,
    ...(ts.isTemplateExpression(template)
      ? template.templateSpans.map((span) => span.expression)
      : []),
  ];
}

/** A function's parameters without a declared `this`, as calls pass them. */
function realParameters(
  ts: typeof import("typescript"),
  fn: ts.SignatureDeclaration,
): readonly ts.ParameterDeclaration[] {
  const first = fn.parameters[0];
  return first && ts.isIdentifier(first.name) && first.name.text === "this"
    ? fn.parameters.slice(1)
    : fn.parameters;
}

/** `f.call(...)`, `f.apply(...)`. */
function isIndirectCall(
  ts: typeof import("typescript"),
  callee: ts.Expression,
): callee is ts.PropertyAccessExpression {
  return (
    ts.isPropertyAccessExpression(callee) &&
    (callee.name.text === "call" || callee.name.text === "apply")
  );
}

function unseen(call: CallLike): RelatedNode {
  return {
    node: call,
    message: `tsad cannot see what '${call.getText()}' changes`,
  };
}

function nameOf(ts: typeof import("typescript"), e: ts.Expression): string {
  return ts.isPropertyAccessExpression(e) ? e.name.text : e.getText();
}

/** A node that gives `this` its meaning: a function (not an arrow), a field, a class. */
function isThisOwner(ts: typeof import("typescript"), node: ts.Node): boolean {
  return (
    ts.isFunctionLike(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isClassStaticBlockDeclaration(node) ||
    ts.isSourceFile(node)
  );
}

export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return (
    outer.getSourceFile() === inner.getSourceFile() &&
    inner.pos >= outer.pos &&
    inner.end <= outer.end
  );
}

/** The identifier or `this` at the bottom of `a.b[i].c`, if there is one. */
function rootOf(
  ts: typeof import("typescript"),
  e: ts.Expression,
): ts.Expression | undefined {
  const root = accessRoot(ts, e);
  return ts.isIdentifier(root) || root.kind === ts.SyntaxKind.ThisKeyword
    ? root
    : undefined;
}

/**
 * The values a local variable ever holds: its initializer and what code
 * in `scope` assigns it (`t = [0, 1]`, `t ??= a`), or `undefined` when
 * that is not known (`[t] = list`, `for (t of rows)`, a `var` declared
 * twice).
 */
function valuesOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  declaration: ts.VariableDeclaration,
  scope: ts.Node,
): ts.Expression[] | undefined {
  if (!declaration.initializer || !ts.isIdentifier(declaration.name))
    return undefined;
  const values = [declaration.initializer];
  if (declaration.parent.flags & ts.NodeFlags.Const) return values;
  const name = declaration.name;
  const symbol = checker.getSymbolAtLocation(name);
  if ((symbol?.declarations?.length ?? 0) > 1) return undefined;
  const assignments = [
    ts.SyntaxKind.EqualsToken,
    ts.SyntaxKind.QuestionQuestionEqualsToken,
    ts.SyntaxKind.BarBarEqualsToken,
    ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ];
  let known = true;
  const visit = (node: ts.Node): void => {
    if (
      isMentionOf(ts, checker, node, name, symbol) &&
      isAssignmentTarget(ts, node)
    ) {
      let target: ts.Node = node;
      while (isWrapper(ts, target.parent)) target = target.parent;
      const assignment = target.parent;
      if (
        ts.isBinaryExpression(assignment) &&
        assignment.left === target &&
        assignments.includes(assignment.operatorToken.kind)
      )
        values.push(assignment.right);
      else known = false;
    }
    if (known) ts.forEachChild(node, visit);
  };
  visit(scope);
  return known ? values : undefined;
}

/** Whether code in `scope` assigns the variable or parameter `declaration`. */
function isReassigned(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  declaration: ts.VariableDeclaration | ts.ParameterDeclaration,
  scope: ts.Node,
): boolean {
  if (!ts.isIdentifier(declaration.name)) return true;
  const name = declaration.name;
  const symbol = checker.getSymbolAtLocation(name);
  let reassigned = false;
  const visit = (node: ts.Node): void => {
    if (
      isMentionOf(ts, checker, node, name, symbol) &&
      isAssignmentTarget(ts, node)
    )
      reassigned = true;
    if (!reassigned) ts.forEachChild(node, visit);
  };
  visit(scope);
  return reassigned;
}
