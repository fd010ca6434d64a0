/**
 * Standard-library globals the program changes: `Math.sin = ...`,
 * `Math = ...`, `globalThis.Math = ...`, `console.info = ...`,
 * `Array.prototype.fill = ...`, `delete JSON.parse`,
 * `Object.assign(Math, ...)`, `Object.defineProperty(Math, "PI", ...)`.
 *
 * tsad's derivative rules and generated code rely on the standard `Math`,
 * `Array` and typed arrays: a program that changes one is an error at each
 * marked function (index.ts, TS96009). The analysis of unmarked calls takes
 * what another changed global holds as unknown code (call-targets.ts).
 */
import type * as ts from "typescript";
import { generatedGlobals } from "../naming";
import { isLibraryFile } from "./call-targets";
import { forEachWrittenTarget } from "./outer-variables";
import { isWrapper, skipWrappers } from "./wrappers";

/** Library functions that change their first argument's fields or prototype. */
const changesFirstArgument = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.deleteProperty",
  "Reflect.setPrototypeOf",
]);

/** `globalThis[k] = ...`: a change to any global. */
const anyGlobal = "*";

/**
 * Globals whose members tsad takes for the standard ones: those generated
 * code calls, and those the analysis of unmarked code trusts.
 */
const reliedOn = new Set([
  ...generatedGlobals,
  "console",
  "JSON",
  "Object",
  "Number",
  "Reflect",
]);

/** Names through which code reaches the globals themselves. */
const globalObjects = new Set(["globalThis", "window", "self", "global"]);

/**
 * A change to a standard global: which, the member changed if one
 * (`console.debug`), and for a prototype's, the method (`toFixed`).
 */
interface Patch {
  readonly global: string;
  readonly member?: string;
  readonly method?: string;
  /** It replaces what the library declares (not `Array.prototype.last = ...`). */
  readonly replaces: boolean;
  readonly at: ts.Node;
}

export class PatchedGlobals {
  private found?: Patch[];

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
  ) {}

  /**
   * Where the program first replaces the global `name` or a member of it
   * the library declares (`Math.sin = ...`; adding `Math.tau` replaces
   * nothing); `all`: or changes it in any way.
   */
  at(name: string, all = false): ts.Node | undefined {
    return this.scan().find(
      (p) =>
        (p.global === name || p.global === anyGlobal) && (all || p.replaces),
    )?.at;
  }

  /**
   * Whether calling `callee` (`console.log`, `k.toFixed`) may run code the
   * program put in a standard global: the member itself, or the whole
   * global, was replaced, or a prototype's method of that name was.
   */
  reaches(callee: ts.PropertyAccessExpression): boolean {
    const method = callee.name.text;
    const target = this.globalOf(callee);
    return this.scan().some(
      (p) =>
        p.method === method ||
        // Any method of a prototype: a method call, not `Math.log1p`.
        (p.method === anyGlobal &&
          (target === undefined || target.path[0] === "prototype")) ||
        // `JSON.stringify(n)` runs `n.toJSON` (`BigInt.prototype.toJSON`).
        (p.method === "toJSON" && target?.global === "JSON") ||
        p.global === anyGlobal ||
        (target !== undefined &&
          p.global === target.global &&
          (p.member === undefined || p.member === target.path[0])),
    );
  }

  /** The program is read once, on first use. */
  private scan(): Patch[] {
    if (this.found) return this.found;
    const { ts } = this;
    const found: Patch[] = [];
    const note = (target: ts.Expression, at: ts.Node) => {
      const changed = this.globalOf(target);
      if (!changed) {
        // `Object.assign(globalThis, { Math: ... })`: the globals named,
        // or any of them.
        if (this.isGlobalObject(target) && ts.isCallExpression(at))
          for (const global of this.keysChanged(at))
            found.push({ global, replaces: true, at });
        return;
      }
      const [member, method] = changed.path;
      found.push({
        global: changed.global,
        member,
        // The whole prototype (`Object.assign(Number.prototype, ...)`):
        // any method.
        method: member === "prototype" ? (method ?? anyGlobal) : undefined,
        replaces: this.replacesLibrary(target),
        at,
      });
    };
    const visit = (node: ts.Node): void => {
      const writes = forEachWrittenTarget(ts, node, (target) =>
        note(target, node),
      );
      // `const P: any = Number.prototype; P.toFixed = ...`: a prototype
      // given out as a value may have any method replaced.
      if (
        ts.isPropertyAccessExpression(node) &&
        node.name.text === "prototype" &&
        !this.readThrough(node)
      ) {
        const reached = this.globalOf(node);
        if (reached)
          found.push({
            global: reached.global,
            member: "prototype",
            method: anyGlobal,
            replaces: true,
            at: node,
          });
      }
      // `helper(globalThis)`: the global object given out as a value may
      // have any global replaced through it. (Asked by name first: a
      // symbol lookup for every identifier of the program costs.)
      if (
        ts.isIdentifier(node) &&
        (globalObjects.has(node.text) || aliases.has(node.text)) &&
        this.isGlobalObject(node) &&
        this.givenOut(node)
      )
        found.push({ global: anyGlobal, replaces: true, at: node });
      // `let m = Math`, `patch(console)`: so may the members of a global
      // whose members tsad relies on.
      if (
        ts.isIdentifier(node) &&
        reliedOn.has(node.text) &&
        this.isStandard(node) &&
        this.givenOut(node)
      )
        found.push({ global: node.text, replaces: true, at: node });
      if (
        !writes &&
        ts.isCallExpression(node) &&
        node.arguments.length > 0 &&
        changesFirstArgument.has(skipWrappers(ts, node.expression).getText())
      )
        note(node.arguments[0]!, node);
      ts.forEachChild(node, visit);
    };
    // The names of `const`s holding the global object, whose writes
    // `globalOf` takes for its own: first, as a use may come before.
    const aliases = new Set<string>();
    const findAliases = (node: ts.Node): void => {
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer !== undefined &&
        this.isGlobalObject(node.initializer)
      )
        aliases.add(node.name.text);
      ts.forEachChild(node, findAliases);
    };
    const files = this.program
      .getSourceFiles()
      .filter((file) => !isLibraryFile(file));
    for (const file of files) findAliases(file);
    for (const file of files) visit(file);
    return (this.found = found);
  }

  /**
   * Whether `node` is not given out as a value other code could change
   * the prototype through: the object of a member read
   * (`Array.prototype.slice.call(...)`), the target of a write (which
   * `scan` notes as such), or compared (`p === Object.prototype`).
   */
  private readThrough(node: ts.Expression): boolean {
    const { ts } = this;
    let at: ts.Node = node;
    while (isWrapper(ts, at.parent)) at = at.parent;
    const { parent } = at;
    if (
      (ts.isPropertyAccessExpression(parent) ||
        ts.isElementAccessExpression(parent)) &&
      parent.expression === at
    )
      return true;
    // Given to the library (`Object.create(Array.prototype)`), which
    // changes a prototype only where `scan` notes it.
    if (
      (ts.isCallExpression(parent) || ts.isNewExpression(parent)) &&
      parent.arguments?.includes(at as ts.Expression) &&
      this.isLibraryFunction(parent.expression)
    )
      return true;
    if (!ts.isBinaryExpression(parent)) return false;
    switch (parent.operatorToken.kind) {
      case ts.SyntaxKind.EqualsToken:
        return parent.left === at;
      case ts.SyntaxKind.EqualsEqualsEqualsToken:
      case ts.SyntaxKind.ExclamationEqualsEqualsToken:
      case ts.SyntaxKind.EqualsEqualsToken:
      case ts.SyntaxKind.ExclamationEqualsToken:
      case ts.SyntaxKind.InKeyword:
        return true;
      default:
        return false;
    }
  }

  /**
   * The properties a call of `changesFirstArgument` sets on its first
   * argument: string keys written out (`Object.defineProperty(o, "k",
   * ...)`, `Object.assign(o, { k })`), else any.
   */
  private keysChanged(call: ts.CallExpression): string[] {
    const { ts } = this;
    const [, ...rest] = call.arguments.map((a) => skipWrappers(ts, a));
    const method = skipWrappers(ts, call.expression).getText();
    const named = (e: ts.Expression | undefined) =>
      e && ts.isStringLiteralLike(e) ? [e.text] : undefined;
    const fields = (e: ts.Expression) =>
      ts.isObjectLiteralExpression(e) &&
      e.properties.every(
        (p) =>
          (ts.isPropertyAssignment(p) ||
            ts.isShorthandPropertyAssignment(p) ||
            ts.isMethodDeclaration(p)) &&
          (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)),
      )
        ? e.properties.map((p) => (p.name as ts.Identifier).text)
        : undefined;
    const keys =
      method === "Object.assign"
        ? rest.every((e) => fields(e) !== undefined)
          ? rest.flatMap((e) => fields(e)!)
          : undefined
        : method === "Object.defineProperties"
          ? rest[0] && fields(rest[0])
          : method.endsWith("setPrototypeOf")
            ? undefined
            : named(rest[0]);
    return keys ?? [anyGlobal];
  }

  /**
   * `globalThis` (`window`, `self`, `global`) itself, the standard one, or
   * a `const` naming it (`const g = globalThis as { ... }`), whose writes
   * are then the global object's.
   */
  private isGlobalObject(target: ts.Node, depth = 0): boolean {
    const { ts } = this;
    const e = skipWrappers(ts, target as ts.Expression);
    if (!ts.isIdentifier(e)) return false;
    if (globalObjects.has(e.text) && this.isStandard(e)) return true;
    const value = depth < 8 ? this.constValue(e) : undefined;
    return value !== undefined && this.isGlobalObject(value, depth + 1);
  }

  /** What the `const` `name` names holds, if it names one. */
  private constValue(name: ts.Identifier): ts.Expression | undefined {
    const { ts } = this;
    const declaration =
      this.checker.getSymbolAtLocation(name)?.valueDeclaration;
    return declaration !== undefined &&
      ts.isVariableDeclaration(declaration) &&
      (declaration.parent.flags & ts.NodeFlags.Const) !== 0
      ? declaration.initializer
      : undefined;
  }

  /** Whether `name` is the standard library's global of its name. */
  private isStandard(name: ts.Identifier): boolean {
    const declarations = this.checker.getSymbolAtLocation(name)?.declarations;
    // `globalThis` itself has no declaration.
    return declarations?.length
      ? declarations.some((d) => d.getSourceFile().hasNoDefaultLib)
      : name.text === "globalThis";
  }

  /**
   * Whether `id` is handed to other code as a value: a variable's or a
   * field's value, assigned, returned, or an argument of a function of
   * the program's. (Read through, compared, `typeof`: not.)
   */
  private givenOut(id: ts.Identifier): boolean {
    const { ts } = this;
    let at: ts.Node = id;
    while (isWrapper(ts, at.parent)) at = at.parent;
    const { parent } = at;
    // `const g = globalThis`: writes through `g` are noted as its own.
    if (ts.isVariableDeclaration(parent))
      return (
        parent.initializer === at &&
        (parent.parent.flags & ts.NodeFlags.Const) === 0
      );
    if (ts.isPropertyAssignment(parent)) return parent.initializer === at;
    if (
      ts.isShorthandPropertyAssignment(parent) ||
      ts.isReturnStatement(parent)
    )
      return true;
    if (ts.isArrayLiteralExpression(parent) || ts.isSpreadElement(parent))
      return true;
    if (ts.isBinaryExpression(parent))
      return (
        parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        parent.right === at
      );
    if (ts.isCallExpression(parent) || ts.isNewExpression(parent))
      return (
        !!parent.arguments?.includes(at as ts.Expression) &&
        !this.isLibraryFunction(parent.expression)
      );
    return false;
  }

  /** Whether `callee` is a function the standard library declares. */
  private isLibraryFunction(callee: ts.Expression): boolean {
    const declarations = this.checker.getSymbolAtLocation(
      skipWrappers(this.ts, callee),
    )?.declarations;
    return (
      !!declarations?.length &&
      declarations.every((d) => d.getSourceFile().hasNoDefaultLib)
    );
  }

  /**
   * Whether writing `target` replaces what the standard library declares:
   * a whole global (or an element of one), or a member its type has
   * (`Math.sin`, `Array.prototype.fill`, through `as any` too).
   */
  private replacesLibrary(target: ts.Expression): boolean {
    const { ts, checker } = this;
    const written = skipWrappers(ts, target);
    if (!ts.isPropertyAccessExpression(written)) return true;
    const owner = skipWrappers(ts, written.expression);
    const member = checker
      .getTypeAtLocation(owner)
      .getProperty(written.name.text);
    // `g.Math = ...` through a `const g: any = globalThis`: any global.
    if (!member) return this.isGlobalObject(owner);
    return (
      member.declarations?.some((d) => d.getSourceFile().hasNoDefaultLib) ??
      false
    );
  }

  /**
   * The standard global `target` is or is a part of, and the names of
   * the members on the way (`Math.sin`, `globalThis.Math.sin`:
   * `Math`, [`sin`]; `Array.prototype.fill`: `Array`, [`prototype`,
   * `fill`]), if it is one. A program may add to the library's
   * declarations (`declare global { interface Math { ... } }`): what the
   * library declares is still the standard global.
   */
  private globalOf(
    target: ts.Expression,
    depth = 0,
  ): { global: string; path: string[] } | undefined {
    const { ts } = this;
    const path: string[] = [];
    /** `globalThis[Symbol.for("k")]`: a symbol names no standard global. */
    let symbolFirst = false;
    let e = skipWrappers(ts, target);
    while (
      ts.isPropertyAccessExpression(e) ||
      ts.isElementAccessExpression(e)
    ) {
      path.unshift(
        ts.isPropertyAccessExpression(e)
          ? e.name.text
          : ts.isStringLiteralLike(e.argumentExpression)
            ? e.argumentExpression.text
            : anyGlobal,
      );
      symbolFirst =
        ts.isElementAccessExpression(e) &&
        (this.checker.getTypeAtLocation(e.argumentExpression).flags &
          ts.TypeFlags.ESSymbolLike) !==
          0;
      e = skipWrappers(ts, e.expression);
    }
    if (!ts.isIdentifier(e)) return undefined;
    if (this.isGlobalObject(e)) {
      const [global, ...rest] = path;
      return global === undefined || symbolFirst
        ? undefined
        : { global, path: rest };
    }
    if (this.isStandard(e)) return { global: e.text, path };
    // `const m = Math; m.sin = ...`: a `const` naming a standard global
    // (or a part of one) changes it.
    const value = depth < 8 ? this.constValue(e) : undefined;
    const aliased = value && this.globalOf(value, depth + 1);
    return (
      aliased && { global: aliased.global, path: [...aliased.path, ...path] }
    );
  }
}
