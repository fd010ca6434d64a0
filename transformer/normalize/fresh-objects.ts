/**
 * Objects made on the spot, for unmarked-writes.ts: a literal, a library
 * constructor's result that is no view of existing memory, a class whose
 * constructors keep `this` to themselves, a copy; and the module-level
 * `const`s holding one that their module only uses in place, which no
 * other name reaches.
 */
import type * as ts from "typescript";
import {
  constructorOf,
  declaredByLibrary,
  declaredByStandardLibrary,
  mayBeCallable,
  type CallTargets,
} from "./call-targets";
import { isMarkedCallee } from "../select";
import { isDirectEval, skipWrappers } from "./wrappers";

/** Methods and functions that return a new array or object. */
export const allocators = new Set([
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
  "split",
  "parse",
]);

export class FreshObjects {
  private readonly privateObjects = new WeakMap<ts.Symbol, boolean>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly targets: CallTargets,
  ) {}

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
  isFresh(e: ts.Expression): boolean {
    const { ts } = this;
    e = skipWrappers(ts, e);
    // A literal's methods come from prototypes too, which code may change.
    if (
      (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e)) &&
      this.targets.prototypeReached()
    )
      return false;
    if (ts.isArrayLiteralExpression(e))
      return e.elements.every((element) => this.keepsOutThis(element));
    // An object's methods may hand out `this` as a class's may.
    if (ts.isObjectLiteralExpression(e))
      return e.properties.every((p) =>
        ts.isPropertyAssignment(p)
          ? this.keepsOutThis(p.initializer)
          : ts.isShorthandPropertyAssignment(p) || ts.isSpreadAssignment(p)
            ? this.keepsOutThis(p)
            : this.memberKeepsThis(p),
      );
    if (ts.isNewExpression(e)) {
      const cls = this.targets.classOf(e.expression);
      if (cls === undefined) return false;
      // A function given to the constructor may become a method
      // (`constructor(public run: () => void)`, `this.run = run`).
      if (cls !== "library")
        return (
          this.isFreshClass(cls) &&
          (e.arguments ?? []).every((a) => this.keepsOutThis(a))
        );
      // A proxy or a view is another name for an object that exists, as
      // `new Object(o)` is `o`; a library class under a name of the
      // program's may be any of them.
      const made = this.targets.symbolOf(skipWrappers(ts, e.expression));
      return (
        declaredByLibrary(made) &&
        made.name !== "Proxy" &&
        made.name !== "DataView" &&
        !(made.name === "Object" && (e.arguments?.length ?? 0) > 0) &&
        !(e.arguments ?? []).some((a) => this.mayBeMemory(a))
      );
    }
    if (!ts.isCallExpression(e)) return false;
    const callee = skipWrappers(ts, e.expression);
    // A marked function returns an array it made (returning one it was
    // given or one other code reaches is TS96003), a literal's kind.
    if (isMarkedCallee(ts, this.checker, callee))
      return !this.targets.prototypeReached();
    const library = this.targets.functionsOf(callee) === "library";
    if (ts.isIdentifier(callee)) return callee.text === "Array" && library;
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const method = callee.name.text;
    if (method === "fill") return library && this.isFresh(callee.expression);
    // A reviver may put any object in what `JSON.parse` returns.
    if (
      method === "parse" &&
      (e.arguments.length !== 1 || ts.isSpreadElement(e.arguments[0]!))
    )
      return false;
    // `data.map((v) => 2 * v)`: a callback is no memory. A package's
    // `slice` may return a view (Node's `Buffer`), and so may a
    // `Uint8Array`'s, which may be a `Buffer`.
    return (
      allocators.has(method) &&
      declaredByStandardLibrary(this.targets.symbolOf(callee.name)) &&
      // A program's subclass may return what it likes.
      !this.targets.overridden(method) &&
      (method !== "slice" ||
        !["Uint8Array", undefined].includes(
          this.arrayType(callee.expression),
        )) &&
      // `from` and `of` copy what they are given, a buffer too.
      (method === "from" ||
        method === "of" ||
        !e.arguments.some(
          (a) =>
            this.checker.getTypeAtLocation(a).getCallSignatures().length ===
              0 && this.mayBeMemory(a),
        ))
    );
  }

  /** The standard library's array or typed array type `e` has, by name. */
  private arrayType(e: ts.Expression): string | undefined {
    const symbol = this.checker.getTypeAtLocation(e).getSymbol();
    return declaredByStandardLibrary(symbol) &&
      /^(Readonly)?Array$|^\w+Array$/.test(symbol.name)
      ? symbol.name
      : undefined;
  }

  /**
   * An argument that may be an existing object's memory: anything but a
   * number, an array literal or an array of numbers (`new Float64Array(x)`
   * copies `x`; `new Float64Array(x.buffer)` views it).
   */
  mayBeMemory(e: ts.Expression): boolean {
    const { ts } = this;
    if (ts.isArrayLiteralExpression(skipWrappers(ts, e))) return false;
    const type = this.checker.getTypeAtLocation(e);
    if (isPrimitiveType(ts, type)) return false;
    // Arrays and typed arrays are copied; anything else with a byte length
    // may be a buffer, whatever else it has.
    const name = type.getSymbol()?.name ?? "";
    if (
      declaredByLibrary(type.getSymbol()) &&
      /^(Readonly)?Array$|^\w+Array$/.test(name)
    )
      return /Buffer/.test(name);
    return (
      type.getProperty("byteLength") !== undefined ||
      this.checker.getIndexTypeOfType(type, ts.IndexKind.Number) === undefined
    );
  }

  /**
   * A class whose `new` makes a fresh object and keeps it to itself: no
   * base class (whose constructor could return another object), no
   * decorator (which may replace the class or a member), a constructor
   * that returns nothing, and `this`, anywhere in the class, only to
   * reach a member (`this.s = 1`, `this.step()`), never handed out
   * (`all.push(this)`, `return this`), nor a field holding a function
   * from elsewhere, which runs with the object as `this`; and a
   * `prototype` no code reaches (`Object.setPrototypeOf(C.prototype, P)`
   * gives its objects other methods).
   */
  isFreshClass(cls: ts.ClassLikeDeclaration): boolean {
    const { ts } = this;
    if (
      this.targets.prototypeReached(cls) ||
      cls.heritageClauses?.some(
        (h) => h.token === ts.SyntaxKind.ExtendsKeyword,
      ) ||
      [cls, ...cls.members].some(
        (node) => ts.canHaveDecorators(node) && ts.getDecorators(node),
      )
    )
      return false;
    const constructor = constructorOf(ts, cls);
    const returns = (node: ts.Node): boolean =>
      (ts.isReturnStatement(node) && node.expression !== undefined) ||
      (!ts.isFunctionLike(node) && ts.forEachChild(node, returns) === true);
    if (constructor?.body && returns(constructor.body)) return false;
    return cls.members.every(
      (m) =>
        this.memberKeepsThis(m) &&
        (!ts.isPropertyDeclaration(m) ||
          !m.initializer ||
          this.keepsOutThis(m.initializer)),
    );
  }

  /**
   * A value put into a literal, a field or a constructor's argument that
   * cannot run with the object as `this`: a primitive, an array, a
   * literal that is fresh itself, or a function written in place whose
   * `this` only reaches members. Anything else may be a function whatever
   * its type says (`{}` holds one, and `typeof` narrows it back), and
   * called as the object's method, it gets the object as `this`
   * (`[2, leak]`, `{ ...proto }`, `f = leak`).
   */
  private keepsOutThis(
    value: ts.Expression | ts.ShorthandPropertyAssignment | ts.SpreadAssignment,
  ): boolean {
    const { ts, checker } = this;
    if (ts.isShorthandPropertyAssignment(value)) value = value.name;
    else if (ts.isSpreadAssignment(value) || ts.isSpreadElement(value)) {
      const spread = skipWrappers(ts, value.expression);
      if (
        ts.isObjectLiteralExpression(spread) ||
        ts.isArrayLiteralExpression(spread)
      )
        return this.isFresh(spread);
      // An array's elements.
      const type = checker.getTypeAtLocation(spread);
      const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
      return (
        ts.isSpreadElement(value) &&
        element !== undefined &&
        isPrimitiveType(ts, element)
      );
    }
    if (isPrimitiveType(ts, checker.getTypeAtLocation(value))) return true;
    value = skipWrappers(ts, value);
    if (ts.isArrowFunction(value)) return true;
    if (ts.isFunctionExpression(value)) return this.keepsThisToItself(value);
    if (
      ts.isObjectLiteralExpression(value) ||
      ts.isArrayLiteralExpression(value)
    )
      return this.isFresh(value);
    // A fresh object is no function (but one the `Function` constructor makes).
    if (ts.isNewExpression(value))
      return (
        this.isFresh(value) &&
        !mayBeCallable(ts, checker.getTypeAtLocation(value))
      );
    return this.arrayType(value) !== undefined;
  }

  /**
   * A method or accessor that keeps `this` to itself, and a getter that
   * returns no function (called as a method, it would get the object as
   * `this`).
   */
  private memberKeepsThis(member: ts.Node): boolean {
    const { ts, checker } = this;
    if (!this.keepsThisToItself(member)) return false;
    if (!ts.isGetAccessorDeclaration(member)) return true;
    const signature = checker.getSignatureFromDeclaration(member);
    return (
      signature !== undefined &&
      isPrimitiveType(ts, checker.getReturnTypeOfSignature(signature))
    );
  }

  /** `this` in `node` only reaches a member (`this.s = 1`, `this.step()`). */
  private keepsThisToItself(node: ts.Node): boolean {
    const { ts } = this;
    const leaks = (n: ts.Node): boolean => {
      // `super.valueOf()` runs with the object as `this`.
      if (n.kind === ts.SyntaxKind.SuperKeyword) return true;
      if (n.kind !== ts.SyntaxKind.ThisKeyword)
        return (
          ts.forEachChild(n, (child) => leaks(child) || undefined) === true
        );
      // A library method (`this.valueOf()`) may hand out `this`, and so
      // may any method named at run time, or one put in a field
      // (`this.run = leak`).
      const parent = n.parent;
      const assigned =
        ts.isBinaryExpression(parent.parent) &&
        parent.parent.left === parent &&
        parent.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        !this.keepsOutThis(parent.parent.right);
      if (ts.isPropertyAccessExpression(parent) && parent.expression === n)
        return (
          assigned || declaredByLibrary(this.targets.symbolOf(parent.name))
        );
      if (ts.isElementAccessExpression(parent) && parent.expression === n) {
        const key = skipWrappers(ts, parent.argumentExpression);
        return ts.isStringLiteralLike(key) || ts.isNumericLiteral(key)
          ? assigned || declaredByLibrary(this.targets.symbolOf(key))
          : true;
      }
      return true;
    };
    return !leaks(node);
  }
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
    isPrimitiveType(ts, checker.getTypeAtLocation(node));

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
          (allocators.has(parent.name.text) &&
            declaredByStandardLibrary(
              checker.getSymbolAtLocation(parent.name),
            )))
      );
    return primitive(parent);
  };
  let escapes = false;
  const visit = (node: ts.Node): void => {
    if (
      (ts.isExportSpecifier(node) &&
        checker.getExportSpecifierLocalTargetSymbol(node) === symbol) ||
      // A direct `eval` reaches the module's names without naming them.
      isDirectEval(ts, node)
    )
      escapes = true;
    else if (
      isMentionOf(ts, checker, node, name, symbol) &&
      !isInType(ts, node)
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

/**
 * Whether `node` is in a type, which does not run: not in a class's
 * `extends` clause or an instantiation expression (`get<number>`), which
 * TypeScript parses as types too.
 */
export function isInType(
  ts: typeof import("typescript"),
  node: ts.Node,
): boolean {
  return (
    ts.findAncestor(
      node,
      (n) =>
        ts.isTypeNode(n) &&
        !(
          ts.isExpressionWithTypeArguments(n) &&
          (!ts.isHeritageClause(n.parent) ||
            (n.parent.token === ts.SyntaxKind.ExtendsKeyword &&
              ts.isClassLike(n.parent.parent)))
        ),
    ) !== undefined
  );
}

/** A number, string, boolean, `undefined`..., or a union of them. */
export function isPrimitiveType(
  ts: typeof import("typescript"),
  type: ts.Type,
): boolean {
  if (type.isUnion()) return type.types.every((t) => isPrimitiveType(ts, t));
  return !(
    type.flags &
    (ts.TypeFlags.Object |
      ts.TypeFlags.NonPrimitive |
      ts.TypeFlags.Any |
      ts.TypeFlags.Unknown |
      ts.TypeFlags.TypeParameter |
      ts.TypeFlags.Intersection)
  );
}

/**
 * Whether `node` is another mention of the variable `name` declares
 * (`symbol`), a shorthand property's (`{ m }`) included.
 */
export function isMentionOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  node: ts.Node,
  name: ts.Identifier,
  symbol: ts.Symbol | undefined,
): node is ts.Identifier {
  return (
    ts.isIdentifier(node) &&
    node !== name &&
    node.text === name.text &&
    (ts.isShorthandPropertyAssignment(node.parent)
      ? checker.getShorthandAssignmentValueSymbol(node.parent)
      : checker.getSymbolAtLocation(node)) === symbol
  );
}
