/**
 * Writes tsad cannot see: an unmarked function that a marked one calls
 * may change arrays and objects other than its arguments (those are
 * unmarked-array-arguments.ts's), through a reference it keeps or a
 * module-level name. The derivative code reads what the marked function
 * reads again, after the call, in its reverse sweep, and may reuse a read
 * made before the call after it, so such a change gives a wrong value and
 * a wrong derivative:
 *
 *   let saved: number[] = [];
 *   function keep(a: number[]) { saved = a; }
 *   function change() { saved[0] = 5; }
 *   /** @differentiable *\/
 *   function f(x: number) { const a = [1]; keep(a); const y = x * a[0]; change(); return y * a[0]; }
 *
 * So the bodies of unmarked callees are searched for writes, through the
 * functions they call, and a marked function may call one that writes
 * into something it did not create only when the marked function (and
 * the marked functions it calls) read nothing that could be that thing:
 *
 * - A write into a module-level `const` holding a fresh array or object
 *   that the module only ever indexes (`history.push(v)`, `stats.calls++`;
 *   never passed, returned, aliased or exported) changes that one object,
 *   which a marked function can only read by its name.
 * - Any other write (through a parameter of a callback, `this`, a `let`,
 *   an object reached from another, a call tsad cannot resolve) could
 *   change any array or object reachable from outside: the marked
 *   function's array parameters, the module-level arrays it reads, what
 *   it passed to or got from unmarked code.
 *
 * Functions declared in declaration files (the standard library,
 * packages' types) are taken to change only their receiver (`push`) and
 * their arguments: tsad cannot read their bodies.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError, type RelatedNode } from "../diagnostics";
import { resolveMarkedCallee, type DifferentiableFunction } from "../select";
import { skipWrappers } from "./wrappers";

/** What running a function may change, beyond objects it creates itself. */
interface Writes {
  /** Its parameters, by position, whose arrays or objects it writes into. */
  readonly params: Map<number, RelatedNode>;
  /** Module-level objects that only their own name reaches (see above). */
  readonly own: Map<ts.Symbol, RelatedNode>;
  /** A write into an object any name could reach. */
  anything?: RelatedNode;
}

/** What a marked function reads that code outside it can reach. */
interface Reads {
  readonly own: Map<ts.Symbol, RelatedNode>;
  /** An array or object other names may reach: a parameter, a module-level array. */
  shared?: RelatedNode;
}

/** A write a call in a marked function leads to, with the calls on the way. */
interface Reached {
  readonly call: ts.CallExpression;
  /** The unmarked function that writes, as the call that runs it names it. */
  readonly writer: string;
  readonly path: readonly RelatedNode[];
}

interface MarkedEffects {
  readonly reads: Reads;
  readonly own: Map<ts.Symbol, Reached>;
  anything?: Reached;
}

/** Array, typed-array and collection methods that change their receiver. */
const mutators = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
]);

/** `Object.assign(target, ...)` and friends. */
const firstArgumentMutators = new Set([
  "assign",
  "defineProperty",
  "defineProperties",
  "setPrototypeOf",
  "deleteProperty",
]);

/** Methods and functions that return a new array or object. */
const allocators = new Set([
  "slice",
  "map",
  "filter",
  "concat",
  "flat",
  "flatMap",
  "toSorted",
  "toReversed",
  "toSpliced",
  "with",
  "from",
  "of",
]);

export class HiddenWrites {
  private readonly unmarked = new WeakMap<ts.Node, Writes>();
  private readonly marked = new WeakMap<ts.Node, MarkedEffects>();
  private readonly privateObjects = new WeakMap<ts.Symbol, boolean>();
  /** Functions being summarized: a call back to one adds nothing new. */
  private readonly inProgress = new Set<ts.Node>();
  /** How many calls back have been cut: a summary that cut one is partial. */
  private cuts = 0;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
  ) {}

  /**
   * Throws TS96018 at the first call in `fn` that may change, unseen, an
   * array or object `fn` or a marked function it calls reads.
   */
  require(fn: DifferentiableFunction, name: string): void {
    const effects = this.markedEffects(fn);
    const { reads } = effects;
    for (const [symbol, reached] of effects.own) {
      const read = reads.own.get(symbol);
      if (read) throw this.conflict(name, reached, symbol.name, read);
    }
    const read = reads.shared ?? reads.own.values().next().value;
    if (effects.anything && read)
      throw this.conflict(name, effects.anything, undefined, read);
  }

  private conflict(
    fn: string,
    reached: Reached,
    written: string | undefined,
    read: RelatedNode,
  ): DiffError {
    const { writer } = reached;
    const what = written
      ? `changes '${written}', which '${fn}' reads`
      : `may change an array or object that '${fn}' reads: it writes into one that other code can reach, and tsad cannot tell which`;
    return new DiffError(
      reached.call,
      DiagnosticCode.HiddenWrite,
      `'${writer}' is not marked, and it ${what}. The derivative code reads what '${fn}' read again after the call, so it would see the changed values. Call '${writer}' outside the marked functions (before or after '${fn}'), or have it return what it computes instead of writing it.`,
      [...reached.path, read],
    );
  }

  private markedEffects(fn: DifferentiableFunction): MarkedEffects {
    return this.summary(
      this.marked,
      fn,
      { reads: { own: new Map() }, own: new Map() },
      (effects) => this.collectMarked(fn, effects),
    );
  }

  /**
   * `fn`'s summary, filled in by `collect` unless known. Within a cycle of
   * calls, the call back is cut (it adds what is being collected already);
   * a summary that cut a call is whole only for the function it started
   * from, so only summaries that cut none are kept.
   */
  private summary<T>(
    known: WeakMap<ts.Node, T>,
    fn: ts.Node,
    empty: T,
    collect: (summary: T) => void,
  ): T {
    const summary = known.get(fn);
    if (summary) return summary;
    if (this.inProgress.has(fn)) {
      this.cuts++;
      return empty;
    }
    const cutsBefore = this.cuts;
    this.inProgress.add(fn);
    try {
      collect(empty);
    } finally {
      this.inProgress.delete(fn);
    }
    if (this.cuts === cutsBefore) known.set(fn, empty);
    return empty;
  }

  private collectMarked(fn: DifferentiableFunction, effects: MarkedEffects) {
    const { ts } = this;
    const { reads } = effects;
    for (const p of fn.parameters)
      if (this.isObject(p))
        reads.shared ??= {
          node: p,
          message: `'${p.name.getText()}' is an array other code can reach`,
        };
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) this.noteRead(node, fn, reads);
      if (ts.isCallExpression(node)) this.noteCall(node, effects);
      // A nested function is an error of its own (a closure).
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    if (fn.body) ts.forEachChild(fn.body, visit);
  }

  private noteRead(id: ts.Identifier, fn: ts.Node, reads: Reads): void {
    const declaration = this.variableOf(id);
    if (
      !declaration ||
      declaration.getSourceFile().isDeclarationFile ||
      contains(fn, declaration) ||
      !this.isObject(id) ||
      this.isMethodReceiver(id)
    )
      return;
    const symbol = this.symbolOf(id)!;
    if (this.isPrivateObject(symbol, declaration))
      reads.own.set(symbol, { node: id, message: `'${id.text}' is read here` });
    else
      reads.shared ??= {
        node: id,
        message: `'${id.text}' is an array or object other code can reach`,
      };
  }

  /**
   * `stats.record()`: `stats` only picks the method, whose writes count;
   * `data.slice()` reads `data`.
   */
  private isMethodReceiver(id: ts.Identifier): boolean {
    const { ts } = this;
    let callee: ts.Node = id;
    while (
      ts.isPropertyAccessExpression(callee.parent) &&
      callee.parent.expression === callee
    )
      callee = callee.parent;
    const call = callee.parent;
    return (
      callee !== id &&
      ts.isCallExpression(call) &&
      call.expression === callee &&
      this.targetOf(call) !== "library"
    );
  }

  private noteCall(call: ts.CallExpression, effects: MarkedEffects): void {
    const { ts } = this;
    const callee = skipWrappers(ts, call.expression);
    const marked = resolveMarkedCallee(ts, this.checker, callee)?.declaration;
    if (marked) {
      const inner = this.markedEffects(marked);
      const name = calleeName(ts, callee);
      const lift = (reached: Reached): Reached => ({
        call,
        writer: reached.writer,
        path: [
          {
            node: reached.call,
            message: `'${name}' calls '${reached.call.expression.getText()}' here`,
          },
          ...reached.path,
        ],
      });
      for (const [symbol, reached] of inner.own)
        if (!effects.own.has(symbol)) effects.own.set(symbol, lift(reached));
      if (inner.anything && !effects.anything)
        effects.anything = lift(inner.anything);
      for (const [symbol, read] of inner.reads.own)
        if (!effects.reads.own.has(symbol)) effects.reads.own.set(symbol, read);
      effects.reads.shared ??= inner.reads.shared;
      return;
    }
    const target = this.targetOf(call);
    if (target === "library") return;
    // What an unmarked function is given or returns, it may keep.
    for (const argument of call.arguments)
      if (this.isObject(argument))
        effects.reads.shared ??= {
          node: argument,
          message: `'${argument.getText()}' is passed to '${callee.getText()}' here, which may keep it`,
        };
    if (this.isObject(call))
      effects.reads.shared ??= {
        node: call,
        message: `'${callee.getText()}' returns an array or object other code can reach`,
      };
    const writes =
      target === "unknown" ? unknownWrites(call) : this.unmarkedWrites(target);
    const reached = (write: RelatedNode): Reached => ({
      call,
      writer: callee.getText(),
      path: [write],
    });
    for (const [symbol, write] of writes.own)
      if (!effects.own.has(symbol)) effects.own.set(symbol, reached(write));
    if (writes.anything && !effects.anything)
      effects.anything = reached(writes.anything);
  }

  /** The function `call` runs, if tsad can read its body. */
  private targetOf(
    call: ts.CallExpression | ts.NewExpression,
  ): ts.FunctionLikeDeclaration | "library" | "unknown" {
    const { ts } = this;
    const declaration = this.checker.getResolvedSignature(call)?.declaration;
    if (!declaration || ts.isJSDocSignature(declaration)) {
      // A class without a constructor runs its field initializers only.
      return ts.isNewExpression(call) ? "library" : "unknown";
    }
    if (declaration.getSourceFile().isDeclarationFile) return "library";
    // An overload signature: the implementation is a sibling declaration.
    const symbol =
      declaration.name && this.checker.getSymbolAtLocation(declaration.name);
    const withBody = [declaration, ...(symbol?.declarations ?? [])].find(
      (d): d is ts.FunctionLikeDeclaration => isFunctionWithBody(ts, d),
    );
    return withBody ?? "unknown";
  }

  /** What running the body of the unmarked `fn` may change. */
  private unmarkedWrites(fn: ts.FunctionLikeDeclaration): Writes {
    return this.summary(
      this.unmarked,
      fn,
      { params: new Map(), own: new Map() },
      (writes) => this.collectUnmarked(fn, writes),
    );
  }

  private collectUnmarked(fn: ts.FunctionLikeDeclaration, writes: Writes) {
    const { ts } = this;
    const into = (object: ts.Expression, at: ts.Node) =>
      this.writeInto(object, at, fn, writes);
    const assigned = (target: ts.Expression, at: ts.Node): void => {
      target = skipWrappers(ts, target);
      if (
        ts.isElementAccessExpression(target) ||
        ts.isPropertyAccessExpression(target)
      )
        into(target.expression, at);
      else if (ts.isArrayLiteralExpression(target))
        for (const e of target.elements)
          assigned(ts.isSpreadElement(e) ? e.expression : e, at);
      else if (ts.isObjectLiteralExpression(target))
        for (const p of target.properties) {
          if (ts.isPropertyAssignment(p)) assigned(p.initializer, at);
          else if (ts.isSpreadAssignment(p)) assigned(p.expression, at);
        }
      else if (ts.isBinaryExpression(target)) assigned(target.left, at); // `[a[0] = 1] = ...`: a default
    };
    const visit = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      )
        assigned(node.left, node);
      else if (
        (ts.isPrefixUnaryExpression(node) ||
          ts.isPostfixUnaryExpression(node)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken ||
          node.operator === ts.SyntaxKind.MinusMinusToken)
      )
        assigned(node.operand, node);
      else if (ts.isDeleteExpression(node)) assigned(node.expression, node);
      else if (
        (ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
        !ts.isVariableDeclarationList(node.initializer)
      )
        assigned(node.initializer, node);
      else if (ts.isCallExpression(node) || ts.isNewExpression(node))
        this.noteUnmarkedCall(node, fn, writes);
      ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
  }

  private noteUnmarkedCall(
    call: ts.CallExpression | ts.NewExpression,
    fn: ts.FunctionLikeDeclaration,
    writes: Writes,
  ): void {
    const { ts } = this;
    const callee = skipWrappers(ts, call.expression);
    if (
      ts.isCallExpression(call) &&
      resolveMarkedCallee(ts, this.checker, callee)
    )
      return; // A marked function writes nothing outside (TS96007).
    const target = this.targetOf(call);
    const args = call.arguments ?? [];
    if (target === "library") {
      if (ts.isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        if (firstArgumentMutators.has(method) && args[0])
          this.writeInto(args[0], call, fn, writes);
        else if (mutators.has(method))
          this.writeInto(callee.expression, call, fn, writes);
      }
      // `rows.forEach(clear)`: the library calls `clear`, with arguments
      // tsad does not know.
      for (const argument of args) {
        const callback = this.functionOf(argument);
        if (!callback) continue;
        const inner = this.unmarkedWrites(callback);
        for (const [symbol, write] of inner.own)
          if (!writes.own.has(symbol)) writes.own.set(symbol, write);
        writes.anything ??=
          inner.anything ?? inner.params.values().next().value;
      }
      return;
    }
    if (target === "unknown") {
      writes.anything ??= unknownWrites(call).anything;
      return;
    }
    const inner = this.unmarkedWrites(target);
    for (const [symbol, write] of inner.own)
      if (!writes.own.has(symbol)) writes.own.set(symbol, write);
    writes.anything ??= inner.anything;
    for (const [index, write] of inner.params) {
      const argument = args[index];
      if (argument) this.writeInto(argument, write.node, fn, writes);
    }
  }

  /** Records that `fn` changes the array or object `object` evaluates to. */
  private writeInto(
    object: ts.Expression,
    at: ts.Node,
    fn: ts.FunctionLikeDeclaration,
    writes: Writes,
  ): void {
    const { ts } = this;
    const write = (what: string): RelatedNode => ({
      node: at,
      message: `it writes into ${what} here`,
    });
    object = skipWrappers(ts, object);
    if (object.kind === ts.SyntaxKind.ThisKeyword) {
      if (!ts.isConstructorDeclaration(fn)) writes.anything ??= write("'this'");
      return;
    }
    if (!ts.isIdentifier(object)) {
      // Reached from another object: a row, a field. Only a parameter's
      // are its caller's alone.
      const root = rootOf(ts, object);
      const parameter = root && this.parameterIndex(root, fn);
      if (parameter !== undefined)
        writes.params.set(parameter, write(`'${object.getText()}'`));
      else writes.anything ??= write(`'${object.getText()}'`);
      return;
    }
    const parameter = this.parameterIndex(object, fn);
    if (parameter !== undefined) {
      writes.params.set(parameter, write(`'${object.text}'`));
      return;
    }
    const declaration = this.variableOf(object);
    const symbol = this.symbolOf(object);
    if (declaration && symbol && contains(fn, declaration)) {
      const initializer = soleValue(ts, this.checker, declaration, fn);
      if (initializer && this.isFresh(initializer)) return;
      if (initializer) return this.writeInto(initializer, at, fn, writes);
    } else if (
      declaration &&
      symbol &&
      this.isPrivateObject(symbol, declaration)
    ) {
      if (!writes.own.has(symbol))
        writes.own.set(symbol, write(`'${object.text}'`));
      return;
    }
    writes.anything ??= write(`'${object.text}'`);
  }

  /** The function `e` names, if tsad can read its body (inline ones are read in place). */
  private functionOf(e: ts.Expression): ts.FunctionLikeDeclaration | undefined {
    const { ts } = this;
    e = skipWrappers(ts, e);
    if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e))
      return undefined;
    const symbol = this.symbolOf(ts.isIdentifier(e) ? e : e.name);
    for (const d of symbol?.declarations ?? []) {
      const value =
        ts.isVariableDeclaration(d) && d.initializer
          ? skipWrappers(ts, d.initializer)
          : d;
      if (isFunctionWithBody(ts, value)) return value;
    }
    return undefined;
  }

  private parameterIndex(
    id: ts.Expression,
    fn: ts.FunctionLikeDeclaration,
  ): number | undefined {
    if (!this.ts.isIdentifier(id)) return undefined;
    const declaration = this.symbolOf(id)?.valueDeclaration;
    if (!declaration || !this.ts.isParameter(declaration)) return undefined;
    const index = fn.parameters.indexOf(declaration);
    return index < 0 ? undefined : index;
  }

  /**
   * A module-level `const` holding a fresh array or object that its module
   * only indexes: no other name reaches it.
   */
  private isPrivateObject(
    symbol: ts.Symbol,
    declaration: ts.VariableDeclaration,
  ): boolean {
    const known = this.privateObjects.get(symbol);
    if (known !== undefined) return known;
    const { ts } = this;
    const statement = declaration.parent.parent;
    const sourceFile = declaration.getSourceFile();
    const result =
      ts.isVariableStatement(statement) &&
      statement.parent === sourceFile &&
      ts.isExternalModule(sourceFile) &&
      (declaration.parent.flags & ts.NodeFlags.Const) !== 0 &&
      !statement.modifiers?.some(
        (m) => m.kind === ts.SyntaxKind.ExportKeyword,
      ) &&
      ts.isIdentifier(declaration.name) &&
      declaration.initializer !== undefined &&
      this.isFresh(declaration.initializer) &&
      onlyIndexed(ts, this.checker, sourceFile, symbol, declaration.name);
    this.privateObjects.set(symbol, result);
    return result;
  }

  /** An expression whose value is an array or object made right there. */
  private isFresh(e: ts.Expression): boolean {
    const { ts } = this;
    e = skipWrappers(ts, e);
    if (
      ts.isArrayLiteralExpression(e) ||
      ts.isObjectLiteralExpression(e) ||
      ts.isNewExpression(e)
    )
      return true;
    if (!ts.isCallExpression(e)) return false;
    const callee = skipWrappers(ts, e.expression);
    if (ts.isIdentifier(callee)) return callee.text === "Array";
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const method = callee.name.text;
    if (method === "fill") return this.isFresh(callee.expression);
    return allocators.has(method) && this.targetOf(e) === "library";
  }

  /** Whether `node`'s value is an array or object (not a number, a function). */
  private isObject(node: ts.Node): boolean {
    const type = this.checker.getTypeAtLocation(node);
    return isObjectType(this.ts, type) && type.getCallSignatures().length === 0;
  }

  private symbolOf(id: ts.Node): ts.Symbol | undefined {
    let symbol = this.checker.getSymbolAtLocation(id);
    if (symbol && symbol.flags & this.ts.SymbolFlags.Alias)
      symbol = this.checker.getAliasedSymbol(symbol);
    return symbol;
  }

  private variableOf(id: ts.Identifier): ts.VariableDeclaration | undefined {
    const declaration = this.symbolOf(id)?.valueDeclaration;
    return declaration && this.ts.isVariableDeclaration(declaration)
      ? declaration
      : undefined;
  }
}

function unknownWrites(call: ts.CallExpression | ts.NewExpression): Writes {
  return {
    params: new Map(),
    own: new Map(),
    anything: {
      node: call,
      message: `tsad cannot see which function '${call.expression.getText()}' calls, nor what it changes`,
    },
  };
}

function isObjectType(ts: typeof import("typescript"), type: ts.Type): boolean {
  if (type.isUnion() || type.isIntersection())
    return type.types.some((t) => isObjectType(ts, t));
  return (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.NonPrimitive)) !== 0;
}

function calleeName(ts: typeof import("typescript"), callee: ts.Expression) {
  return ts.isPropertyAccessExpression(callee)
    ? callee.name.text
    : callee.getText();
}

function isFunctionWithBody(
  ts: typeof import("typescript"),
  node: ts.Node,
): node is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

function contains(outer: ts.Node, inner: ts.Node): boolean {
  return (
    outer.getSourceFile() === inner.getSourceFile() &&
    inner.pos >= outer.pos &&
    inner.end <= outer.end
  );
}

/** The identifier at the bottom of `a.b[i].c`, if there is one. */
function rootOf(
  ts: typeof import("typescript"),
  e: ts.Expression,
): ts.Identifier | undefined {
  e = skipWrappers(ts, e);
  while (ts.isElementAccessExpression(e) || ts.isPropertyAccessExpression(e))
    e = skipWrappers(ts, e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

/**
 * The one value a local variable of `fn` ever holds: its initializer, if
 * nothing assigns it afterwards.
 */
function soleValue(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  declaration: ts.VariableDeclaration,
  fn: ts.FunctionLikeDeclaration,
): ts.Expression | undefined {
  if (!declaration.initializer || !ts.isIdentifier(declaration.name))
    return undefined;
  if (declaration.parent.flags & ts.NodeFlags.Const)
    return declaration.initializer;
  const symbol = checker.getSymbolAtLocation(declaration.name);
  let reassigned = false;
  const visit = (node: ts.Node): void => {
    if (
      ts.isIdentifier(node) &&
      node !== declaration.name &&
      checker.getSymbolAtLocation(node) === symbol &&
      isAssignmentTarget(ts, node)
    )
      reassigned = true;
    if (!reassigned) ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return reassigned ? undefined : declaration.initializer;
}

function isAssignmentTarget(
  ts: typeof import("typescript"),
  id: ts.Identifier,
): boolean {
  let node: ts.Node = id;
  while (
    ts.isParenthesizedExpression(node.parent) ||
    ts.isArrayLiteralExpression(node.parent) ||
    ts.isShorthandPropertyAssignment(node.parent) ||
    ts.isPropertyAssignment(node.parent) ||
    ts.isObjectLiteralExpression(node.parent) ||
    ts.isSpreadElement(node.parent)
  )
    node = node.parent;
  const parent = node.parent;
  if (ts.isBinaryExpression(parent))
    return (
      parent.left === node &&
      parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    );
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent))
    return (
      parent.operator === ts.SyntaxKind.PlusPlusToken ||
      parent.operator === ts.SyntaxKind.MinusMinusToken
    );
  return (
    (ts.isForOfStatement(parent) || ts.isForInStatement(parent)) &&
    parent.initializer === node
  );
}

/** Every mention of `symbol` in `sourceFile` but `name` indexes it: `m[i]`, `m.x`. */
function onlyIndexed(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
  symbol: ts.Symbol,
  name: ts.Identifier,
): boolean {
  let escapes = false;
  const visit = (node: ts.Node): void => {
    if (
      ts.isIdentifier(node) &&
      node !== name &&
      node.text === name.text &&
      checker.getSymbolAtLocation(node) === symbol
    ) {
      let use: ts.Node = node;
      while (
        ts.isParenthesizedExpression(use.parent) ||
        ts.isNonNullExpression(use.parent)
      )
        use = use.parent;
      const parent = use.parent;
      const indexed =
        (ts.isElementAccessExpression(parent) ||
          ts.isPropertyAccessExpression(parent)) &&
        parent.expression === use;
      if (!indexed) escapes = true;
    }
    if (!escapes) ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return !escapes;
}
