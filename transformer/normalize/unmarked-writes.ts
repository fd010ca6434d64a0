/**
 * What running code tsad does not differentiate may change: the arrays and
 * objects an unmarked function (and what it calls, constructs, or is
 * handed as a callback) writes into, beyond those it creates itself.
 * hidden-writes.ts checks these against what a marked function reads.
 *
 * A write is described by where its object comes from:
 *
 * - a parameter of the function (or its `this`): the caller's argument,
 *   known at each call;
 * - a module-level `const` holding a fresh array or object that its
 *   module only ever indexes (`history.push(v)`, `stats.calls++`; never
 *   passed, returned, aliased, exported or viewed through `.buffer`): a
 *   write at depth one changes that object only, which other code can
 *   read by its name alone;
 * - anything else (a `let`, a row or field of another object, a callback's
 *   parameter, a call tsad cannot resolve, `eval`): any array or object
 *   other code can reach.
 *
 * Functions declared in declaration files (the standard library, packages'
 * types) are taken to change only their receiver (`push`, `set...`) or
 * first argument (`Object.assign`), and to call the functions they are
 * given with any arguments. Getters, `valueOf`, iterators and other calls
 * the language makes implicitly are not read (see README).
 */
import type * as ts from "typescript";
import type { RelatedNode } from "../diagnostics";
import { isAssignmentTarget } from "./outer-variables";
import { skipWrappers } from "./wrappers";

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
}

export const noWrites = (): Writes => ({ params: new Map(), own: new Map() });

type CallLike =
  ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression;

/** Code whose writes are summarized: a function, or what `new` of a class runs. */
type Runnable = ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration;

/**
 * Library methods that leave their receiver as it is; any other method
 * of a library type (`push`, `sort`, `set`, `writeDoubleLE`) may change it.
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
  !readers.has(method) && !/^(get|read)[A-Z]/.test(method);

/**
 * Functions of the library's namespaces that change their first argument;
 * their other functions change nothing of the program's.
 */
const firstArgumentWriters = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.deleteProperty",
  "Reflect.setPrototypeOf",
  "Atomics.store",
  "Atomics.add",
  "Atomics.sub",
  "Atomics.and",
  "Atomics.or",
  "Atomics.xor",
  "Atomics.exchange",
  "Atomics.compareExchange",
  "crypto.getRandomValues",
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

export class UnmarkedWrites {
  private readonly summaries = new WeakMap<ts.Node, Writes>();
  private readonly privateObjects = new WeakMap<ts.Symbol, boolean>();
  /** Code being summarized: a call back into it is cut. */
  private readonly inProgress = new Set<ts.Node>();
  /** How many calls back have been cut: a summary that cut one is partial. */
  private cuts = 0;

  /** Each class's direct subclasses in the program, found on first use. */
  private subclasses?: Map<ts.ClassLikeDeclaration, ts.ClassLikeDeclaration[]>;
  /** Names of the members of classes whose base tsad cannot resolve. */
  private readonly unknownOverrides = new Set<string>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
  ) {}

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
        (this.isClassValue(value) && this.classOf(value) !== "library") ||
        (this.isFunctionValue(value) && this.functionsOf(value) !== "library")
      );
    });
    if (passesCode) return false;
    if (ts.isNewExpression(call)) return this.classOf(callee) === "library";
    if (isIndirectCall(ts, callee) && this.isFunctionValue(callee.expression))
      return this.functionsOf(callee.expression) === "library";
    return this.functionsOf(callee) === "library";
  }

  /**
   * Adds to `writes` what `call`, made in `scope`, may change, with writes
   * into `scope`'s parameters as such.
   */
  addCall(call: CallLike, scope: Runnable, writes: Writes): void {
    const { ts } = this;
    const callee = calleeOf(ts, call);
    const args = argumentsOf(ts, call);
    this.addCallbacks(args, scope, writes);
    if (ts.isNewExpression(call) || callee.kind === ts.SyntaxKind.SuperKeyword)
      return this.addConstruction(call, callee, args, scope, writes);
    if (ts.isIdentifier(callee) && callee.text === "eval")
      return void (writes.anything ??= unseen(call));
    if (isIndirectCall(ts, callee) && this.isFunctionValue(callee.expression))
      return this.addIndirectCall(call, callee, args, scope, writes);
    const targets = this.functionsOf(callee);
    if (targets === "library") {
      if (!ts.isPropertyAccessExpression(callee)) return;
      const receiver = skipWrappers(ts, callee.expression);
      const method = callee.name.text;
      if (this.isLibraryNamespace(receiver)) {
        if (firstArgumentWriters.has(`${nameOf(ts, receiver)}.${method}`))
          if (args[0]) this.writeInto(args[0], call, scope, writes, false);
        return;
      }
      if (changesReceiver(method) && !this.isPrimitive(receiver))
        this.writeInto(receiver, call, scope, writes, false);
      return;
    }
    if (targets === "unknown") return void (writes.anything ??= unseen(call));
    const receiver = ts.isPropertyAccessExpression(callee)
      ? callee.expression
      : undefined;
    for (const fn of targets)
      this.apply(this.summaryOf(fn), args, receiver, scope, writes);
  }

  /** `f.call(self, a)`, `f.apply(self, [a])`, `Array.prototype.fill.call(data, 0)`. */
  private addIndirectCall(
    call: CallLike,
    callee: ts.PropertyAccessExpression,
    args: ts.Expression[],
    scope: Runnable,
    writes: Writes,
  ): void {
    const { ts } = this;
    const self = args[0];
    const targets = this.functionsOf(callee.expression);
    if (targets === "unknown") return void (writes.anything ??= unseen(call));
    if (targets === "library") {
      const named = skipWrappers(ts, callee.expression);
      if (changesReceiver(nameOf(ts, named)) && self)
        this.writeInto(self, call, scope, writes, false);
      return;
    }
    // `apply`'s arguments are in an array: positions unknown.
    const passed = callee.name.text === "call" ? args.slice(1) : undefined;
    for (const fn of targets)
      this.apply(this.summaryOf(fn), passed, self, scope, writes);
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
    scope: Runnable,
    writes: Writes,
  ): void {
    const { ts } = this;
    const cls =
      callee.kind === ts.SyntaxKind.SuperKeyword
        ? this.baseClassOf(ts.findAncestor(call, ts.isClassLike))
        : this.classOf(callee);
    if (cls === "library") return;
    if (cls === undefined) return void (writes.anything ??= unseen(call));
    this.apply(this.summaryOf(cls), args, undefined, scope, writes);
  }

  /** `fn`'s writes, made at a call with `args` (`undefined`: unknown) on `receiver`. */
  private apply(
    fn: Writes,
    args: readonly ts.Expression[] | undefined,
    receiver: ts.Expression | undefined,
    scope: Runnable,
    writes: Writes,
  ): void {
    const { ts } = this;
    for (const [symbol, at] of fn.own)
      if (!writes.own.has(symbol)) writes.own.set(symbol, at);
    writes.anything ??= fn.anything;
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
   * stands.
   */
  private addCallbacks(
    args: readonly ts.Expression[],
    scope: Runnable,
    writes: Writes,
  ): void {
    const { ts } = this;
    const unseenValue = (arg: ts.Expression): RelatedNode => ({
      node: arg,
      message: `tsad cannot see what '${arg.getText()}' changes`,
    });
    for (const arg of args) {
      const value = skipWrappers(
        ts,
        ts.isSpreadElement(arg) ? arg.expression : arg,
      );
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) continue;
      if (this.isClassValue(value)) {
        const cls = this.classOf(value);
        if (cls === undefined) writes.anything ??= unseenValue(arg);
        else if (cls !== "library")
          this.apply(this.summaryOf(cls), undefined, undefined, scope, writes);
        continue;
      }
      if (!this.isFunctionValue(value)) continue;
      const targets = this.functionsOf(value);
      if (targets === "unknown") writes.anything ??= unseenValue(arg);
      else if (targets === "library") {
        if (changesReceiver(nameOf(ts, value)))
          writes.anything ??= unseenValue(arg);
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
      : fn.parameters;
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
      target = skipWrappers(ts, target);
      if (
        ts.isElementAccessExpression(target) ||
        ts.isPropertyAccessExpression(target)
      ) {
        if (ts.isPropertyAccessExpression(target) && this.isSetter(target))
          writes.anything ??= {
            node: at,
            message: `'${target.name.text}' is a setter, which tsad does not read`,
          };
        this.writeInto(target.expression, at, fn, writes, false);
      } else if (ts.isArrayLiteralExpression(target))
        for (const e of target.elements)
          assigned(ts.isSpreadElement(e) ? e.expression : e, at);
      else if (ts.isObjectLiteralExpression(target))
        for (const p of target.properties) {
          if (ts.isPropertyAssignment(p)) assigned(p.initializer, at);
          else if (ts.isSpreadAssignment(p)) assigned(p.expression, at);
        }
      else if (ts.isBinaryExpression(target)) assigned(target.left, at); // a default
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
      else if (
        ts.isCallExpression(node) ||
        ts.isNewExpression(node) ||
        ts.isTaggedTemplateExpression(node)
      )
        this.addCall(node, fn, writes);
      ts.forEachChild(node, visit);
    };
    if (!ts.isClassLike(fn)) {
      for (const p of fn.parameters) visit(p);
      if (fn.body) visit(fn.body);
      return;
    }
    const constructor = constructorOf(ts, fn);
    if (!constructor) {
      // No constructor: the base class's runs, with the same arguments.
      const base = this.baseClassOf(fn);
      if (base === undefined)
        writes.anything ??= {
          node: fn,
          message: "tsad cannot see what its base class changes",
        };
      else if (base !== "library") {
        const inner = this.summaryOf(base);
        for (const [symbol, at] of inner.own) writes.own.set(symbol, at);
        writes.anything ??= inner.anything;
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

  /** Records that code in `scope` changes the array or object `object` evaluates to. */
  private writeInto(
    object: ts.Expression,
    at: ts.Node | RelatedNode,
    scope: Runnable,
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
    if (!deep && this.isFresh(object)) return;
    if (object.kind === ts.SyntaxKind.ThisKeyword)
      return this.writeIntoThis(object, write(), scope, writes, deep);
    if (!ts.isIdentifier(object)) {
      // Reached from another object: a row, a field.
      const root = rootOf(ts, object);
      if (root) return this.writeInto(root, write(), scope, writes, true);
      return void (writes.anything ??= write());
    }
    const declaration = this.symbolOf(object)?.valueDeclaration;
    if (declaration && ts.isParameter(declaration)) {
      const fn = ts.isClassLike(scope) ? constructorOf(ts, scope) : scope;
      const index = fn ? fn.parameters.indexOf(declaration) : -1;
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
      const value = soleValue(ts, this.checker, declaration, scope);
      if (value && !this.isFresh(value))
        return this.writeInto(value, at, scope, writes, deep);
      if (value && !deep) return;
    } else if (!deep && this.isPrivateObject(declaration)) {
      const symbol = this.symbolOf(object)!;
      if (!writes.own.has(symbol)) writes.own.set(symbol, write());
      return;
    }
    writes.anything ??= write();
  }

  /** `this` is the object being made in a constructor, else the receiver. */
  private writeIntoThis(
    node: ts.Node,
    at: RelatedNode,
    scope: Runnable,
    writes: Writes,
    deep: boolean,
  ): void {
    const { ts } = this;
    let owner = node.parent;
    while (ts.isArrowFunction(owner) || !isThisOwner(ts, owner))
      owner = owner.parent;
    // The object being made is fresh, not what its fields were given.
    if (
      ts.isClassLike(scope) &&
      (ts.isConstructorDeclaration(owner) || ts.isPropertyDeclaration(owner))
    )
      return void (deep && (writes.anything ??= at));
    if (owner !== scope) return void (writes.anything ??= at);
    const known = writes.params.get(THIS);
    writes.params.set(THIS, {
      at: known?.at ?? at,
      deep: deep || !!known?.deep,
      rest: false,
    });
  }

  /** The class `new callee` makes, `"library"` for a declaration file's. */
  private classOf(
    callee: ts.Expression,
    seen = new Set<ts.Node>(),
  ): ts.ClassLikeDeclaration | "library" | undefined {
    const { ts } = this;
    const symbol = this.symbolOf(skipWrappers(ts, callee));
    const declarations = symbol?.declarations ?? [];
    if (declarations.some((d) => d.getSourceFile().isDeclarationFile))
      return "library";
    for (const d of declarations) {
      if (seen.has(d)) continue;
      seen.add(d);
      if (ts.isClassLike(d)) return d;
      // `const Alias = Base`, `const C = class { ... }`
      const value =
        ts.isVariableDeclaration(d) &&
        d.initializer &&
        d.parent.flags & ts.NodeFlags.Const
          ? skipWrappers(ts, d.initializer)
          : undefined;
      if (value && ts.isClassExpression(value)) return value;
      if (
        value &&
        (ts.isIdentifier(value) || ts.isPropertyAccessExpression(value))
      )
        return this.classOf(value, seen);
    }
    return undefined;
  }

  private baseClassOf(
    cls: ts.ClassLikeDeclaration | undefined,
  ): ts.ClassLikeDeclaration | "library" | undefined {
    const { ts } = this;
    const extended = cls?.heritageClauses?.find(
      (h) => h.token === ts.SyntaxKind.ExtendsKeyword,
    )?.types[0];
    return extended ? this.classOf(extended.expression) : "library";
  }

  /**
   * The functions calling `e` may run: a function written in place, a
   * function declaration, a `const` holding one, a class's method with
   * its overrides in subclasses. `"library"` for a declaration file's
   * function; `"unknown"` for anything else (a `let`, a parameter, an
   * element of an array, an object literal's method, a decorated method:
   * code may put another function there).
   */
  private functionsOf(
    e: ts.Expression,
    seen = new Set<ts.Node>(),
  ): readonly ts.FunctionLikeDeclaration[] | "library" | "unknown" {
    const { ts } = this;
    e = skipWrappers(ts, e);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return [e];
    if (
      ts.isCallExpression(e) &&
      ts.isPropertyAccessExpression(e.expression) &&
      e.expression.name.text === "bind"
    ) {
      // A bound library method may write into what it is bound to, and
      // bound arguments are not the call's.
      const bound = this.functionsOf(e.expression.expression, seen);
      return bound === "library" || e.arguments.length > 1 ? "unknown" : bound;
    }
    if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e))
      return "unknown";
    const declarations =
      this.symbolOf(ts.isPropertyAccessExpression(e) ? e.name : e)
        ?.declarations ?? [];
    if (declarations.length === 0) return "unknown";
    if (declarations.every((d) => d.getSourceFile().isDeclarationFile))
      // An iterator's `next` runs a generator's body.
      return ts.isPropertyAccessExpression(e) && this.isIterator(e.expression)
        ? "unknown"
        : "library";
    const found: ts.FunctionLikeDeclaration[] = [];
    for (const d of declarations) {
      if (seen.has(d)) continue;
      seen.add(d);
      if (ts.isFunctionDeclaration(d)) {
        if (d.body) found.push(d); // else an overload's signature
        continue;
      }
      if (
        ts.isVariableDeclaration(d) &&
        d.initializer &&
        d.parent.flags & ts.NodeFlags.Const
      ) {
        const value = this.functionsOf(d.initializer, seen);
        if (value === "unknown" || value === "library") return value;
        found.push(...value);
        continue;
      }
      if (ts.isClassElement(d) && ts.isClassLike(d.parent)) {
        const members = this.membersNamed(d);
        if (members === "unknown") return "unknown";
        found.push(...members);
        continue;
      }
      return "unknown";
    }
    return found.length > 0 ? found : "unknown";
  }

  /** A class's method, with the methods overriding it in subclasses. */
  private membersNamed(
    member: ts.ClassElement,
  ): ts.FunctionLikeDeclaration[] | "unknown" {
    const { ts } = this;
    const name = member.name;
    if (!name || !(ts.isIdentifier(name) || ts.isPrivateIdentifier(name)))
      return "unknown";
    const cls = member.parent as ts.ClassLikeDeclaration;
    const classes = [cls, ...this.subclassesOf(cls)];
    if (this.unknownOverrides.has(name.getText())) return "unknown";
    const found: ts.FunctionLikeDeclaration[] = [];
    for (const cls of classes) {
      if (ts.canHaveDecorators(cls) && ts.getDecorators(cls)?.length)
        return "unknown";
      for (const m of cls.members) {
        if (m.name?.getText() !== name.getText()) continue;
        if (ts.canHaveDecorators(m) && ts.getDecorators(m)?.length)
          return "unknown";
        // A getter's result is what runs.
        if (ts.isGetAccessorDeclaration(m)) return "unknown";
        if (isFunctionWithBody(ts, m)) found.push(m);
        else if (ts.isPropertyDeclaration(m)) {
          const value = m.initializer && skipWrappers(ts, m.initializer);
          if (
            value &&
            (ts.isArrowFunction(value) || ts.isFunctionExpression(value))
          )
            found.push(value);
          else return "unknown";
        }
      }
    }
    return found;
  }

  /** Every class of the program that extends `cls`, directly or not. */
  private subclassesOf(
    cls: ts.ClassLikeDeclaration,
  ): ts.ClassLikeDeclaration[] {
    const { ts } = this;
    if (!this.subclasses) {
      const subclasses = new Map<
        ts.ClassLikeDeclaration,
        ts.ClassLikeDeclaration[]
      >();
      const visit = (node: ts.Node): void => {
        if (ts.isClassLike(node)) {
          const base = this.baseClassOf(node);
          if (base !== undefined && base !== "library")
            subclasses.set(base, [...(subclasses.get(base) ?? []), node]);
          // A base tsad cannot resolve (a mixin's call): any class's method
          // of the same name may be overridden here.
          if (base === undefined)
            for (const m of node.members)
              if (m.name) this.unknownOverrides.add(m.name.getText());
        }
        ts.forEachChild(node, visit);
      };
      for (const file of this.program.getSourceFiles())
        if (!file.isDeclarationFile) visit(file);
      this.subclasses = subclasses;
    }
    const direct = this.subclasses.get(cls) ?? [];
    return direct.flatMap((sub) => [sub, ...this.subclassesOf(sub)]);
  }

  /** A generator or iterator object, whose `next` runs code. */
  private isIterator(e: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(e);
    return /^(Async)?(Generator|Iterator|IterableIterator)\b/.test(
      this.checker.typeToString(type),
    );
  }

  private isClassValue(e: ts.Expression): boolean {
    return (
      this.checker.getTypeAtLocation(e).getConstructSignatures().length > 0
    );
  }

  /**
   * `Object`, `Atomics`, `console`, `globalThis.Math`: a global object the
   * library declares, reached from a global through library members.
   */
  private isLibraryNamespace(e: ts.Expression): boolean {
    const { ts } = this;
    const declared = (node: ts.Node) => {
      const declarations = this.symbolOf(node)?.declarations ?? [];
      return (
        declarations.length > 0 &&
        declarations.every((d) => d.getSourceFile().isDeclarationFile)
      );
    };
    e = skipWrappers(ts, e);
    while (ts.isPropertyAccessExpression(e)) {
      if (!declared(e.name)) return false;
      e = skipWrappers(ts, e.expression);
    }
    // `globalThis` itself has no declaration.
    const global =
      ts.isIdentifier(e) &&
      e.text === "globalThis" &&
      !this.symbolOf(e)?.valueDeclaration;
    return global || (ts.isIdentifier(e) && declared(e));
  }

  private isPrimitive(e: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(e);
    return (
      (type.flags &
        (this.ts.TypeFlags.StringLike |
          this.ts.TypeFlags.NumberLike |
          this.ts.TypeFlags.BooleanLike |
          this.ts.TypeFlags.BigIntLike)) !==
      0
    );
  }

  private isFunctionValue(e: ts.Expression): boolean {
    return this.checker.getTypeAtLocation(e).getCallSignatures().length > 0;
  }

  private isSetter(target: ts.PropertyAccessExpression): boolean {
    const declarations = this.symbolOf(target.name)?.declarations ?? [];
    return declarations.some(
      (d) =>
        this.ts.isSetAccessorDeclaration(d) &&
        !d.getSourceFile().isDeclarationFile,
    );
  }

  /**
   * A module-level `const` holding a fresh array or object that its module
   * only indexes: no other name reaches it.
   */
  isPrivateObject(declaration: ts.VariableDeclaration): boolean {
    const { ts } = this;
    if (!ts.isIdentifier(declaration.name)) return false;
    const symbol = this.checker.getSymbolAtLocation(declaration.name);
    if (!symbol) return false;
    const known = this.privateObjects.get(symbol);
    if (known !== undefined) return known;
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
    if (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e))
      return true;
    if (ts.isNewExpression(e)) {
      const cls = this.classOf(e.expression);
      if (cls === undefined) return false;
      if (cls !== "library") return this.isFreshClass(cls);
      // A proxy or a view is another name for an object that exists.
      const made = this.symbolOf(skipWrappers(ts, e.expression))?.name;
      return (
        made !== "Proxy" &&
        made !== "DataView" &&
        !(e.arguments ?? []).some((a) => this.mayBeMemory(a))
      );
    }
    if (!ts.isCallExpression(e)) return false;
    const callee = skipWrappers(ts, e.expression);
    if (ts.isIdentifier(callee)) return callee.text === "Array";
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const method = callee.name.text;
    if (method === "fill") return this.isFresh(callee.expression);
    return (
      allocators.has(method) &&
      this.functionsOf(callee) === "library" &&
      !e.arguments.some((a) => this.mayBeMemory(a))
    );
  }

  /** An argument that may be an existing object's memory: a buffer, or untyped. */
  private mayBeMemory(e: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(e);
    return (
      (type.flags & (this.ts.TypeFlags.Any | this.ts.TypeFlags.Unknown)) !==
        0 || /ArrayBuffer|Buffer/.test(this.checker.typeToString(type))
    );
  }

  /**
   * A class whose `new` makes a fresh object: its constructors (its base
   * classes' too) return nothing and use `this` only to reach its fields
   * (`this.s = 1`), handing it to no code.
   */
  private isFreshClass(cls: ts.ClassLikeDeclaration): boolean {
    const { ts } = this;
    let fresh = true;
    const visit = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression) fresh = false;
      else if (node.kind === ts.SyntaxKind.ThisKeyword) {
        const parent = node.parent;
        const field =
          (ts.isPropertyAccessExpression(parent) ||
            ts.isElementAccessExpression(parent)) &&
          parent.expression === node &&
          !(
            ts.isCallExpression(parent.parent) &&
            parent.parent.expression === parent
          );
        if (!field) fresh = false;
      }
      if (fresh && !ts.isFunctionLike(node) && !ts.isClassLike(node))
        ts.forEachChild(node, visit);
    };
    for (let c: typeof cls | undefined = cls; c && fresh;) {
      const constructor = constructorOf(ts, c);
      if (constructor?.body) ts.forEachChild(constructor.body, visit);
      for (const member of c.members)
        if (ts.isPropertyDeclaration(member) && member.initializer)
          visit(member.initializer);
      const base = this.baseClassOf(c);
      if (base === undefined) return false;
      c = base === "library" ? undefined : base;
    }
    return fresh;
  }

  private symbolOf(node: ts.Node): ts.Symbol | undefined {
    let symbol = this.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & this.ts.SymbolFlags.Alias)
      symbol = this.checker.getAliasedSymbol(symbol);
    return symbol;
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
  return ts.isTaggedTemplateExpression(call) ? [] : [...(call.arguments ?? [])];
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

/** A node that gives `this` its meaning: a function (not an arrow), a field, a class. */
function isThisOwner(ts: typeof import("typescript"), node: ts.Node): boolean {
  return (
    ts.isFunctionLike(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isClassStaticBlockDeclaration(node) ||
    ts.isSourceFile(node)
  );
}

function constructorOf(
  ts: typeof import("typescript"),
  cls: ts.ClassLikeDeclaration,
): ts.ConstructorDeclaration | undefined {
  return cls.members.find(
    (m): m is ts.ConstructorDeclaration =>
      ts.isConstructorDeclaration(m) && m.body !== undefined,
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
  e = skipWrappers(ts, e);
  while (ts.isElementAccessExpression(e) || ts.isPropertyAccessExpression(e))
    e = skipWrappers(ts, e.expression);
  return ts.isIdentifier(e) || e.kind === ts.SyntaxKind.ThisKeyword
    ? e
    : undefined;
}

/**
 * The one value a local variable ever holds: its initializer, if it is
 * declared once and nothing in `scope` assigns it afterwards.
 */
function soleValue(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  declaration: ts.VariableDeclaration,
  scope: ts.Node,
): ts.Expression | undefined {
  if (!declaration.initializer || !ts.isIdentifier(declaration.name))
    return undefined;
  if (declaration.parent.flags & ts.NodeFlags.Const)
    return declaration.initializer;
  const declarations = checker.getSymbolAtLocation(
    declaration.name,
  )?.declarations;
  if ((declarations?.length ?? 0) > 1) return undefined; // `var t = a; var t = b;`
  return isReassigned(ts, checker, declaration, scope)
    ? undefined
    : declaration.initializer;
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
      ts.isIdentifier(node) &&
      node !== name &&
      node.text === name.text &&
      (ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node)) === symbol &&
      isAssignmentTarget(ts, node)
    )
      reassigned = true;
    if (!reassigned) ts.forEachChild(node, visit);
  };
  visit(scope);
  return reassigned;
}

/**
 * Every mention of `symbol` in `sourceFile` but its declaration uses it
 * in place, handing out no other name for it: `m[i]` with a number `i`,
 * `m.length`, a field of a primitive type (`stats.calls++`), a method
 * call whose result is discarded or primitive (`history.push(v)`,
 * `rng.next()`; `m.sort()` returns `m` itself). Nor does anything export
 * it.
 */
function onlyIndexed(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
  symbol: ts.Symbol,
  name: ts.Identifier,
): boolean {
  const primitive = (node: ts.Node) =>
    !(
      checker.getTypeAtLocation(node).flags &
      (ts.TypeFlags.Object |
        ts.TypeFlags.NonPrimitive |
        ts.TypeFlags.Any |
        ts.TypeFlags.Unknown |
        ts.TypeFlags.TypeParameter)
    ) && !checker.getTypeAtLocation(node).isUnionOrIntersection();
  const inPlace = (use: ts.Node): boolean => {
    const parent = use.parent;
    if (ts.isElementAccessExpression(parent) && parent.expression === use)
      return (
        (checker.getTypeAtLocation(parent.argumentExpression).flags &
          ts.TypeFlags.NumberLike) !==
        0
      );
    // `for (const v of m)` reads its elements.
    if (ts.isForOfStatement(parent) && parent.expression === use) return true;
    if (!ts.isPropertyAccessExpression(parent) || parent.expression !== use)
      return false;
    const call = parent.parent;
    if (ts.isCallExpression(call) && call.expression === parent)
      // A callback is handed `m` itself (`m.forEach((v, i, all) => ...)`).
      return (
        !call.arguments.some(
          (a) => checker.getTypeAtLocation(a).getCallSignatures().length > 0,
        ) &&
        (ts.isExpressionStatement(call.parent) ||
          primitive(call) ||
          allocators.has(parent.name.text))
      );
    return primitive(parent);
  };
  let escapes = false;
  const visit = (node: ts.Node): void => {
    if (
      ts.isExportSpecifier(node) &&
      checker.getExportSpecifierLocalTargetSymbol(node) === symbol
    )
      escapes = true;
    else if (
      ts.isIdentifier(node) &&
      node !== name &&
      node.text === name.text &&
      (ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node)) === symbol &&
      !ts.findAncestor(node, ts.isTypeNode)
    ) {
      let use: ts.Node = node;
      while (
        ts.isParenthesizedExpression(use.parent) ||
        ts.isNonNullExpression(use.parent)
      )
        use = use.parent;
      if (!inPlace(use)) escapes = true;
    }
    if (!escapes) ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return !escapes;
}
