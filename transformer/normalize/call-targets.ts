/**
 * Which functions a call may run, for unmarked-writes.ts: a function
 * written in place, a function declaration, a `const` holding one, a class
 * method with every override of it in the program's subclasses, a class's
 * constructor. `"library"` for what declaration files declare, `"unknown"`
 * for anything else, which could be any code.
 */
import type * as ts from "typescript";
import type { RelatedNode } from "../diagnostics";
import { forEachWrittenTarget, isAssignmentTarget } from "./outer-variables";
import type { PatchedGlobals } from "./patched-globals";
import { skipWrappers } from "./wrappers";

/** A function a module exports; `fn` undefined: not a plain function of the program's. */
interface ExportedFunction {
  readonly name: string;
  readonly fn: ts.FunctionLikeDeclaration | undefined;
}

/** `fn` may run as method `name`; `undefined`: something not a plain function. */
type AddMethod = (
  name: string,
  fn: ts.FunctionLikeDeclaration | undefined,
) => void;

export class CallTargets {
  /**
   * Where code first makes a method whose name is computed or known at
   * run time: a call may run it by any name.
   */
  private anyName?: ts.Node;
  /** The program's methods by name, found on first use. */
  private methods?: Map<string, (ts.FunctionLikeDeclaration | undefined)[]>;
  /** The names of the program's setters (with the method index). */
  private readonly setters = new Set<string>();
  /** Whether some setter's name is computed: a write may run it by any name. */
  private anySetterName = false;
  /** The names of the program's getters, and whether one is computed. */
  private readonly getters = new Set<string>();
  /** Getters' names whose code may change something: not just `return this.k`. */
  private readonly writingGetters = new Set<string>();
  /**
   * The properties the other getters read (`this.k`, `this.xs.length`),
   * each of which may run a getter of that name; `anyProperty` for one
   * named at run time (`this.xs[i]`).
   */
  private readonly getterReads = new Map<string, Set<string | AnyProperty>>();
  private anyGetterName = false;
  /** The program's getters and setters by name, whose code tsad reads. */
  private readonly accessors = new Map<string, ts.AccessorDeclaration[]>();
  /** Names of accessors whose code is not the program's own (decorated). */
  private readonly opaqueAccessors = new Set<string>();
  /** Classes whose `prototype` some code reaches (and may change). */
  private readonly prototypes = new Set<ts.Symbol>();
  /**
   * Where code first reaches a prototype tsad cannot name, which it may
   * change: through an alias (`K.prototype`), `Object.getPrototypeOf`,
   * `__proto__`, or the library's own (`Array.prototype`).
   */
  private anyPrototype?: ts.Node;
  /**
   * The names of methods a program's class extending a library class
   * (`class MyMap extends Map`) declares: a call typed by the library's
   * class may run them.
   */
  private readonly overrides = new Set<string>();
  /** Whether such a class has a member whose name is computed: any name. */
  private anyOverride = false;
  /** Types whose members `addMembers` has seen. */
  private readonly membersAdded = new Set<ts.Type>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
    private readonly patched: PatchedGlobals,
  ) {}

  /** The class `new callee` makes, `"library"` for a declaration file's. */
  classOf(
    callee: ts.Expression,
    seen = new Set<ts.Node>(),
  ): ts.ClassLikeDeclaration | "library" | undefined {
    const { ts } = this;
    const symbol = this.symbolOf(skipWrappers(ts, callee));
    const declarations = symbol?.declarations ?? [];
    // A program's class may have an interface merged in from anywhere.
    const cls = declarations.find(
      (d): d is ts.ClassLikeDeclaration =>
        ts.isClassLike(d) && !isAmbient(ts, d),
    );
    if (cls) return cls;
    if (declarations.some((d) => isLibraryFile(d.getSourceFile())))
      return "library";
    for (const d of declarations) {
      if (seen.has(d)) continue;
      seen.add(d);
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

  baseClassOf(
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
  functionsOf(
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
      // bound arguments are not the call's, nor a bound `this` the
      // receiver's (`b.call(other)` runs with the bound one).
      const bound = this.functionsOf(e.expression.expression, seen);
      const [self, ...rest] = e.arguments;
      return bound === "library" || rest.length > 0 || !isNullish(ts, self)
        ? "unknown"
        : bound;
    }
    if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e))
      return "unknown";
    const symbol = this.symbolOf(ts.isPropertyAccessExpression(e) ? e.name : e);
    const declarations = symbol?.declarations ?? [];
    if (declarations.length === 0) return "unknown";
    if (declaredByLibrary(symbol))
      // An iterator's `next` runs a generator's body, a method of a
      // library class a program's subclass overrides its override, and
      // what a global the program changes holds may be the program's.
      return ts.isPropertyAccessExpression(e) &&
        (this.patched.reaches(e) ||
          (!this.isStandardGlobal(e.expression) &&
            (this.isIterator(e.expression) || this.overridden(e.name.text))))
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
        // A library function under another name (`const run = eval`) is
        // not one tsad knows.
        const value = this.functionsOf(d.initializer, seen);
        if (value === "unknown" || value === "library") return "unknown";
        found.push(...value);
        continue;
      }
      // A method, of a class, an object literal or an interface: any
      // method of that name may be the one that runs.
      if (
        (ts.isClassElement(d) ||
          ts.isTypeElement(d) ||
          ts.isObjectLiteralElement(d)) &&
        d.name
      ) {
        const members = this.methodsNamed(d.name);
        if (members === "unknown") return "unknown";
        found.push(...members);
        continue;
      }
      return "unknown";
    }
    return found.length > 0 ? found : "unknown";
  }

  /**
   * Every method named `name` of the program's classes and object
   * literals: an object's type says little about which one it has (a
   * subclass's, a base class's, one copied by a spread, a mixin's, any
   * object of the same shape). `"unknown"` if one of them is not a plain
   * function (a getter, a field holding some value, a decorated method) or
   * the name is computed.
   */
  methodsNamed(
    name: ts.PropertyName | ts.MemberName,
  ): readonly ts.FunctionLikeDeclaration[] | "unknown" {
    const { ts } = this;
    if (!(ts.isIdentifier(name) || ts.isPrivateIdentifier(name)))
      return "unknown";
    return this.methodsNamedText(keyText(ts, this.checker, name) ?? "");
  }

  /** `methodsNamed` by the name's text. */
  methodsNamedText(
    name: string,
  ): readonly ts.FunctionLikeDeclaration[] | "unknown" {
    const index = this.methodIndex();
    if (this.anyName) return "unknown";
    const found: ts.FunctionLikeDeclaration[] = [];
    for (const fn of index.get(name) ?? []) {
      if (!fn) return "unknown";
      found.push(fn);
    }
    return found;
  }

  /** Whether `fn` may return a function. */
  private returnsFunction(fn: ts.SignatureDeclaration): boolean {
    const signature = this.checker.getSignatureFromDeclaration(fn);
    return (
      signature !== undefined &&
      mayBeCallable(this.ts, this.checker.getReturnTypeOfSignature(signature))
    );
  }

  /**
   * The code that keeps tsad from knowing what any method call runs, for
   * a message: it then takes calls it would otherwise follow (`xs.push`,
   * `counter.bump()`) as code that may write anything.
   */
  unknownMethods(): RelatedNode | undefined {
    this.methodIndex();
    const text = (node: ts.Node) => node.getText().split("\n")[0]!.slice(0, 60);
    if (this.anyPrototype)
      return {
        node: this.anyPrototype,
        message: `'${text(this.anyPrototype)}' reaches a prototype (the library's, or one tsad cannot name) whose methods code may change, so tsad takes any method call in the program for one that may run any code: that may be why`,
      };
    if (this.anyName)
      return {
        node: this.anyName,
        message: `'${text(this.anyName)}' may make methods of names tsad cannot know, so tsad takes any method call in the program for one that may run any code: that may be why`,
      };
    return undefined;
  }

  /**
   * Whether some code reaches `cls.prototype` (`undefined`: an array's or
   * an object literal's), and may give its objects other methods.
   */
  prototypeReached(cls?: ts.ClassLikeDeclaration): boolean {
    this.methodIndex();
    if (this.anyPrototype) return true;
    const symbol = cls?.name && this.checker.getSymbolAtLocation(cls.name);
    return !!symbol && this.prototypes.has(symbol);
  }

  /**
   * The program's getters (or setters) named `name`, of any name for
   * `undefined`; `"unknown"` where one is code tsad cannot read (a
   * decorated one, one defined with a computed name or at run time).
   */
  accessorsNamed(
    name: string | undefined,
    kind: "get" | "set",
  ): readonly ts.AccessorDeclaration[] | "unknown" {
    const { ts } = this;
    this.methodIndex();
    if (kind === "get" ? this.anyGetterName : this.anySetterName)
      return "unknown";
    const names = name === undefined ? [...this.accessors.keys()] : [name];
    if (names.some((n) => this.opaqueAccessors.has(n))) return "unknown";
    return names.flatMap((n) =>
      (this.accessors.get(n) ?? []).filter((a) =>
        kind === "get" ? ts.isGetAccessor(a) : ts.isSetAccessor(a),
      ),
    );
  }

  /**
   * Whether writing the property `name` (`undefined`: one named at run
   * time) may run a setter of the program's.
   */
  mayBeSetter(name: string | undefined): boolean {
    this.methodIndex();
    return (
      this.anySetterName ||
      (name === undefined ? this.setters.size > 0 : this.setters.has(name))
    );
  }

  /** Whether a program's class extending a library class has a member `name`. */
  overridden(name: string): boolean {
    this.methodIndex();
    return this.anyOverride || this.overrides.has(name);
  }

  /**
   * The library class (as its `extends` clause names it) at the top of
   * `cls`'s chain of the program's base classes; with `untilConstructor`,
   * only if none of them has a constructor of its own, so that the
   * library's makes `cls`'s objects.
   */
  libraryBaseOf(
    cls: ts.ClassLikeDeclaration,
    untilConstructor = false,
  ): ts.Expression | undefined {
    const { ts } = this;
    const seen = new Set<ts.ClassLikeDeclaration>();
    for (let c: ts.ClassLikeDeclaration | undefined = cls; c && !seen.has(c);) {
      seen.add(c);
      if (untilConstructor && constructorOf(ts, c)) return undefined;
      const extended = c.heritageClauses?.find(
        (h) => h.token === ts.SyntaxKind.ExtendsKeyword,
      )?.types[0];
      if (!extended) return undefined;
      const base = this.classOf(extended.expression);
      if (base === "library") return extended.expression;
      c = base;
    }
    return undefined;
  }

  /**
   * Whether `access` reads a data field the program wrote out: of a
   * `const` bound to an object literal that gives it a value, and no
   * descriptor anywhere may add accessors (`const CONFIG = { lr: 0.1 }`).
   */
  isPlainField(
    access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  ): boolean {
    const { ts } = this;
    const receiver = skipWrappers(ts, access.expression);
    const name = propertyName(ts, access);
    if (!ts.isIdentifier(receiver) || name === undefined) return false;
    const declaration = this.symbolOf(receiver)?.valueDeclaration;
    const literal =
      declaration &&
      ts.isVariableDeclaration(declaration) &&
      declaration.parent.flags & ts.NodeFlags.Const &&
      declaration.initializer &&
      skipWrappers(ts, declaration.initializer);
    if (!literal || !ts.isObjectLiteralExpression(literal)) return false;
    this.methodIndex();
    return (
      !this.anyGetterName &&
      literal.properties.every(
        (p) =>
          !ts.isSpreadAssignment(p) &&
          !ts.isGetAccessor(p) &&
          !ts.isSetAccessor(p),
      ) &&
      literal.properties.some(
        (p) =>
          (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) &&
          (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
          p.name.text === name,
      )
    );
  }

  /**
   * Whether reading the property `name` (`undefined`: one named at run
   * time) may run a getter of the program's.
   */
  mayBeGetter(name: string | undefined): boolean {
    this.methodIndex();
    return (
      this.anyGetterName ||
      (name === undefined ? this.getters.size > 0 : this.getters.has(name))
    );
  }

  /**
   * Whether reading `access` (`o.k`, `o["k"]`) may run a getter of the
   * program's: named like one, and not a library value's property (an
   * array's element or `length`, `Math.PI`) or a data field of a literal
   * the program wrote out.
   */
  mayRunGetter(
    access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  ): boolean {
    return (
      !this.isBuiltinValue(access.expression) &&
      !this.isStandardGlobal(access.expression) &&
      !this.isPlainField(access) &&
      this.mayBeGetter(propertyName(this.ts, access))
    );
  }

  /**
   * Whether a getter reading the property `name` (`undefined`: one named
   * at run time, or all of an object's) may run could change something:
   * one tsad cannot read (a descriptor's), or one whose code assigns,
   * calls or constructs.
   */
  mayBeWritingGetter(name: string | undefined): boolean {
    this.methodIndex();
    return (
      this.anyGetterName ||
      (name === undefined
        ? this.writingGetters.size > 0
        : this.writingGetters.has(name))
    );
  }

  /** The program's methods by name; `undefined` for one that is not a plain function. */
  private methodIndex(): Map<
    string,
    (ts.FunctionLikeDeclaration | undefined)[]
  > {
    const { ts, checker } = this;
    if (this.methods) return this.methods;
    const methods = new Map<
      string,
      (ts.FunctionLikeDeclaration | undefined)[]
    >();
    const decorated = (node: ts.Node) =>
      ts.canHaveDecorators(node) && (ts.getDecorators(node)?.length ?? 0) > 0;
    const callable = (node: ts.Node) =>
      mayBeCallable(ts, checker.getTypeAtLocation(node));
    const add: AddMethod = (name, fn) =>
      methods.set(name, [...(methods.get(name) ?? []), fn]);
    const visit = (node: ts.Node): void => {
      if (ts.isClassLike(node) || ts.isObjectLiteralExpression(node)) {
        const members: readonly ts.Node[] = ts.isClassLike(node)
          ? node.members
          : node.properties;
        // A class decorator may return a subclass with accessors of any name.
        if (ts.isClassLike(node) && decorated(node))
          this.anySetterName = this.anyGetterName = true;
        if (ts.isClassLike(node))
          for (const p of constructorOf(ts, node)?.parameters ?? [])
            if (
              ts.isParameterPropertyDeclaration(p, p.parent) &&
              ts.isIdentifier(p.name)
            )
              add(p.name.text, undefined);
        // `class C extends Map`: `C`'s methods may override `Map`'s.
        const base = ts.isClassLike(node) && this.libraryBaseOf(node);
        const libraryBase =
          base &&
          checker
            .getTypeAtLocation(base)
            .getConstructSignatures()[0]
            ?.getReturnType();
        for (const m of members) {
          const key = (m as { name?: ts.PropertyName }).name;
          if (!key) continue;
          const text = keyText(ts, checker, key);
          if (libraryBase) {
            if (text === undefined) {
              this.anyName ??= key;
              this.anyOverride = true;
            } else if (libraryBase.getProperty(text)) this.overrides.add(text);
          }
          // A decorated `accessor` field's setter is the decorator's.
          const decoratedAccessor =
            ts.isAutoAccessorPropertyDeclaration(m) && decorated(m);
          if (text !== undefined && (decoratedAccessor || decorated(m)))
            this.opaqueAccessors.add(text);
          if (
            text !== undefined &&
            (ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m))
          )
            this.accessors.set(text, [...(this.accessors.get(text) ?? []), m]);
          if (ts.isSetAccessorDeclaration(m) || decoratedAccessor) {
            if (text === undefined) this.anySetterName = true;
            else this.setters.add(text);
          }
          if (ts.isGetAccessorDeclaration(m) || decoratedAccessor) {
            if (text === undefined) this.anyGetterName = true;
            else this.getters.add(text);
            const reads = new Set<string | AnyProperty>();
            if (
              text !== undefined &&
              (decoratedAccessor ||
                (ts.isGetAccessorDeclaration(m) &&
                  m.body !== undefined &&
                  mayWrite(ts, m.body, reads)))
            )
              this.writingGetters.add(text);
            else if (text !== undefined)
              this.getterReads.set(
                text,
                new Set([...reads, ...(this.getterReads.get(text) ?? [])]),
              );
          }
          if (text === undefined) {
            // `[k]() {}`: a method of any name.
            this.anyName ??= key;
            continue;
          }
          let fn: ts.FunctionLikeDeclaration | undefined;
          if (decorated(m) || (ts.isClassLike(node) && decorated(node)))
            fn = undefined;
          else if (ts.isMethodDeclaration(m)) {
            // An overload's or an abstract signature; or, declared
            // (`declare class`), a method whose code is elsewhere.
            if (!m.body && !isAmbient(ts, m)) continue;
            fn = m.body ? m : undefined;
          } else if (
            ts.isPropertyDeclaration(m) ||
            ts.isPropertyAssignment(m) ||
            ts.isShorthandPropertyAssignment(m)
          ) {
            if (!callable(m)) continue; // a field holding data
            const value =
              !ts.isShorthandPropertyAssignment(m) && m.initializer
                ? skipWrappers(ts, m.initializer)
                : undefined;
            fn =
              value &&
              (ts.isArrowFunction(value) || ts.isFunctionExpression(value))
                ? value
                : undefined;
          } else if (
            !ts.isGetAccessorDeclaration(m) &&
            !ts.isSetAccessorDeclaration(m)
          )
            continue;
          add(text, fn);
        }
      }
      this.noteUnlistedMethods(node, add);
      ts.forEachChild(node, visit);
    };
    for (const file of this.program.getSourceFiles()) {
      if (isLibraryFile(file)) continue;
      visit(file);
      // A program module's functions are the methods of its namespace
      // object (`import * as impl`), which may stand for any object.
      const module = checker.getSymbolAtLocation(file);
      if (module)
        for (const exported of this.exportedFunctions(module))
          add(exported.name, exported.fn);
    }
    // A getter reading `o.k` runs `k`'s getter, if there is one.
    for (let grown = true; grown;) {
      grown = false;
      for (const [name, reads] of this.getterReads)
        if (
          !this.writingGetters.has(name) &&
          [...reads].some((read) =>
            read === anyProperty
              ? this.writingGetters.size > 0
              : this.writingGetters.has(read),
          )
        ) {
          this.writingGetters.add(name);
          grown = true;
        }
    }
    return (this.methods = methods);
  }

  /**
   * What `node` says of methods the index cannot list: prototypes it may
   * change, objects whose methods have names known at run time, and
   * objects whose methods are a module's functions or a package's.
   */
  private noteUnlistedMethods(node: ts.Node, add: AddMethod): void {
    const { ts, checker } = this;
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === "prototype" &&
      !readsMember(ts, node) // `Array.prototype.push.call(o)`
    ) {
      const reached = this.symbolOf(node.expression);
      const named = reached?.valueDeclaration;
      if (
        named &&
        ts.isClassLike(named) &&
        !declaredByLibrary(reached) &&
        ts.isIdentifier(skipWrappers(ts, node.expression))
      )
        this.prototypes.add(reached!);
      else this.anyPrototype ??= node;
    }
    if (
      (ts.isIdentifier(node) || ts.isStringLiteralLike(node)) &&
      /^(__proto__|getPrototypeOf|setPrototypeOf)$/.test(node.text)
    )
      this.anyPrototype ??= node;
    // Accessors made where tsad cannot read the descriptor:
    // `o.__defineGetter__(k, f)`, `const { defineProperty } = Object`.
    if (
      ((ts.isIdentifier(node) || ts.isStringLiteralLike(node)) &&
        /^__define[GS]etter__$/.test(node.text)) ||
      (ts.isIdentifier(node) &&
        /^(defineProperty|defineProperties)$/.test(node.text) &&
        !(
          ts.isPropertyAccessExpression(node.parent) &&
          node.parent.name === node &&
          this.isLibraryNamespace(node.parent.expression)
        ))
    )
      this.anyGetterName = this.anySetterName = true;
    // A descriptor's `get` and `set` are accessors of any name:
    // `Object.defineProperty(o, "k", { get: () => ... })`. Descriptors
    // written out with neither (`{ value: 1 }`, `Object.create(null)`)
    // make none.
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      /^(defineProperty|defineProperties|create)$/.test(
        node.expression.name.text,
      ) &&
      this.isLibraryNamespace(node.expression.expression) &&
      node.arguments
        .slice(node.expression.name.text === "defineProperty" ? 2 : 1)
        .some((d) => mayDescribeAccessors(ts, d))
    )
      this.anyGetterName = this.anySetterName = true;
    // `const { prototype: p } = Array`, `A["prototype"]`: a prototype
    // reached other than by `X.prototype`.
    if (
      (ts.isIdentifier(node) || ts.isStringLiteralLike(node)) &&
      node.text === "prototype" &&
      !(
        ts.isPropertyAccessExpression(node.parent) && node.parent.name === node
      ) &&
      !node.getSourceFile().isDeclarationFile &&
      !ts.findAncestor(node, ts.isTypeNode)
    )
      this.anyPrototype ??= node;
    // Objects whose methods have names known at run time: made from
    // entries (`Object.fromEntries`, `const { fromEntries } = Object`),
    // from code strings (`eval`, `Function`), or given a function by a
    // callback of library code (a `JSON.parse` reviver's result).
    if (
      ((ts.isIdentifier(node) || ts.isStringLiteralLike(node)) &&
        node.text === "fromEntries") ||
      (ts.isIdentifier(node) &&
        (node.text === "eval" || node.text === "Function") &&
        !ts.isTypeReferenceNode(node.parent) &&
        !ts.isExpressionWithTypeArguments(node.parent)) ||
      ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) &&
        ts.isCallOrNewExpression(node.parent) &&
        node.parent.arguments?.includes(node) &&
        this.returnsFunction(node))
    )
      this.anyName ??= node;
    // A namespace object handed on stands for an object whose methods
    // are the module's functions, a package's too; so does a program's
    // `namespace`.
    if (ts.isNamespaceImport(node) && this.handedOn(node.name))
      for (const exported of this.exportsOf(node.parent))
        add(exported.name, exported.fn);
    if (ts.isModuleDeclaration(node) && node.body) {
      const namespace = checker.getSymbolAtLocation(node.name);
      for (const exported of namespace ? this.exportedFunctions(namespace) : [])
        add(exported.name, exported.fn);
    }
    // A package's object may be there under a program's type: its
    // methods may run by their names (and do what tsad cannot see). It
    // comes from a package's function, constructor, field, import or
    // callback; or from code the program only declares
    // (`declare const hooks: { get(): number }`, `declare module "pkg"`).
    if (
      ts.isCallExpression(node) ||
      ts.isNewExpression(node) ||
      ts.isAwaitExpression(node) ||
      (ts.isPropertyAccessExpression(node) &&
        !(
          ts.isCallExpression(node.parent) && node.parent.expression === node
        )) ||
      ts.isElementAccessExpression(node) ||
      ts.isImportSpecifier(node) ||
      ts.isImportClause(node) ||
      ts.isVariableDeclaration(node) ||
      ts.isBindingElement(node) ||
      ts.isParameter(node)
    ) {
      const named =
        ts.isImportSpecifier(node) ||
        ts.isImportClause(node) ||
        ts.isVariableDeclaration(node) ||
        ts.isBindingElement(node) ||
        ts.isParameter(node)
          ? node.name
          : node;
      const declaration = named !== node;
      const type = named && checker.getTypeAtLocation(named);
      if (type && (packageType(type) || (declaration && isAmbient(ts, node))))
        this.addMembers(type, add);
    }
    // What a package's function makes or gives its callbacks is its
    // object, whatever type it is given (`make<Getter>()`).
    if (
      (ts.isCallOrNewExpression(node) || ts.isTaggedTemplateExpression(node)) &&
      this.fromPackage(
        skipWrappers(
          ts,
          ts.isTaggedTemplateExpression(node) ? node.tag : node.expression,
        ),
      )
    ) {
      this.addMembers(checker.getTypeAtLocation(node), add);
      const args = ts.isTaggedTemplateExpression(node)
        ? []
        : (node.arguments ?? []);
      for (const arg of args)
        if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg))
          for (const p of arg.parameters)
            this.addMembers(checker.getTypeAtLocation(p.name), add);
    }
    if (
      (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) &&
      isAmbient(ts, node) &&
      node.name
    ) {
      const type = checker.getTypeAtLocation(node.name);
      this.addMembers(type, add);
      for (const signature of type.getCallSignatures())
        this.addMembers(signature.getReturnType(), add);
    }
  }

  /** Whether `e` names (`f`, `o.f`, `new C`) what a package declares. */
  fromPackage(e: ts.Expression): boolean {
    const { ts } = this;
    if (ts.isPropertyAccessExpression(e) && this.isConsole(e.expression))
      return false;
    const named = ts.isPropertyAccessExpression(e) ? e.name : e;
    const symbol = this.symbolOf(named);
    return declaredByLibrary(symbol) && !declaredByStandardLibrary(symbol);
  }

  /**
   * The global `console`: the platform's, by a standard of its own (its
   * methods print what they are given), whichever declaration files type
   * it: the standard library's with `lib` DOM, or only `@types/node`'s.
   */
  private isConsole(e: ts.Expression): boolean {
    const { ts } = this;
    e = skipWrappers(ts, e);
    if (!ts.isIdentifier(e) || e.text !== "console") return false;
    const symbol = this.checker.getSymbolAtLocation(e);
    return (
      symbol !== undefined &&
      (symbol.flags & ts.SymbolFlags.Alias) === 0 &&
      declaredByLibrary(symbol)
    );
  }

  /**
   * Adds the callable members of `type` (of a class's objects too) as
   * methods whose code tsad cannot see.
   */
  private addMembers(type: ts.Type, add: AddMethod): void {
    const { checker } = this;
    if (this.membersAdded.has(type)) return;
    this.membersAdded.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) this.addMembers(t, add);
      return;
    }
    const types = [
      type,
      ...type.getConstructSignatures().map((c) => c.getReturnType()),
    ];
    // And of the program's objects in it, the elements of an array too
    // (`makeList<Getter>()`, `box.value` of a `Box<Getter>`).
    for (const t of types) {
      const element = checker.getIndexTypeOfType(t, this.ts.IndexKind.Number);
      if (element) this.addMembers(element, add);
    }
    for (const member of types.flatMap((t) => t.getProperties())) {
      const memberType = checker.getTypeOfSymbol(member);
      if (mayBeCallable(this.ts, memberType)) add(member.name, undefined);
      else if (!declaredByLibrary(memberType.getSymbol()))
        this.addMembers(memberType, add);
    }
  }

  /** The functions `module` exports, by name; `undefined` for one with no body here. */
  private exportedFunctions(
    module: ts.Symbol,
    seen = new Set<ts.Symbol>(),
  ): ExportedFunction[] {
    const { ts, checker } = this;
    if (seen.has(module)) return [];
    seen.add(module);
    return checker.getExportsOfModule(module).flatMap((exported) => {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias
          ? checker.getAliasedSymbol(exported)
          : exported;
      // `export * as ns from "m"`, `export namespace ns`: `ns`'s functions
      // are methods too.
      const nested =
        symbol.flags & ts.SymbolFlags.ValueModule
          ? this.exportedFunctions(symbol, seen)
          : [];
      const own = (symbol.declarations ?? []).flatMap(
        (d): ExportedFunction[] => {
          // A package's function (no body here) may be any code; an
          // overload's signature is not a function of its own.
          if (ts.isFunctionDeclaration(d))
            return d.body || isAmbient(ts, d)
              ? [{ name: exported.name, fn: d.body ? d : undefined }]
              : [];
          if (
            !ts.isVariableDeclaration(d) ||
            !mayBeCallable(ts, checker.getTypeAtLocation(d))
          )
            return [];
          const value = d.initializer && skipWrappers(ts, d.initializer);
          const plain =
            value &&
            (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) &&
            d.parent.flags & ts.NodeFlags.Const;
          return [{ name: exported.name, fn: plain ? value : undefined }];
        },
      );
      return [...nested, ...own];
    });
  }

  /** The functions the module `import * as ns from "m"` names exports. */
  private exportsOf(clause: ts.ImportClause): ExportedFunction[] {
    const { ts } = this;
    const declaration = clause.parent;
    const module =
      ts.isImportDeclaration(declaration) &&
      this.checker.getSymbolAtLocation(declaration.moduleSpecifier);
    return module ? this.exportedFunctions(module) : [];
  }

  /** Whether a namespace import is used other than to name its members (`ns.f`). */
  private handedOn(name: ts.Identifier): boolean {
    const { ts, checker } = this;
    const symbol = checker.getSymbolAtLocation(name);
    let handed = false;
    const visit = (node: ts.Node): void => {
      if (
        ts.isIdentifier(node) &&
        node !== name &&
        node.text === name.text &&
        checker.getSymbolAtLocation(node) === symbol &&
        !(
          ts.isPropertyAccessExpression(node.parent) &&
          node.parent.expression === node
        )
      )
        handed = true;
      if (!handed) ts.forEachChild(node, visit);
    };
    visit(name.getSourceFile());
    return handed;
  }

  /** A generator or iterator object, whose `next` runs code. */
  isIterator(e: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(e);
    return /^(Async)?(Generator|Iterator|IterableIterator)\b/.test(
      this.checker.typeToString(type),
    );
  }

  /**
   * `Math`, `JSON`, `Object`: a global the standard library declares,
   * not an object of a program's class. Answered without the method index,
   * which reads the whole program: most calls in marked code are `Math`'s.
   */
  isStandardGlobal(e: ts.Expression): boolean {
    const { ts } = this;
    e = skipWrappers(ts, e);
    return (
      ts.isIdentifier(e) &&
      declaredByStandardLibrary(this.symbolOf(e)) &&
      this.patched.at(e.text, /*all*/ true) === undefined
    );
  }

  isClassValue(e: ts.Expression): boolean {
    return (
      this.checker.getTypeAtLocation(e).getConstructSignatures().length > 0
    );
  }

  /**
   * `Object`, `Atomics`, `console`, `globalThis.Math`: a global object the
   * library declares, reached from a global through library members.
   */
  isLibraryNamespace(e: ts.Expression): boolean {
    const { ts } = this;
    const declared = (node: ts.Node) => declaredByLibrary(this.symbolOf(node));
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

  /**
   * Whether `e` may hold an object of the program's own types (a class's,
   * a record's), whose accessors, iterator and conversions are the
   * program's code: not a primitive, `null`, a function, an array or a
   * tuple, or a library's object (a map, an iterator).
   */
  isProgramObject(e: ts.Expression): boolean {
    const { ts, checker } = this;
    const type = checker.getTypeAtLocation(e).getNonNullableType();
    return (type.isUnion() ? type.types : [type]).some((t) => {
      if (!(t.flags & ts.TypeFlags.Object) || t.getCallSignatures().length > 0)
        return false;
      if (checker.isArrayType(t) || checker.isTupleType(t)) return false;
      const symbol = t.aliasSymbol ?? t.getSymbol();
      return symbol !== undefined && !declaredByLibrary(symbol);
    });
  }

  /** A value of the standard library's array, map, string ... type: its properties are the library's. */
  isBuiltinValue(e: ts.Expression): boolean {
    return this.isBuiltinType(this.checker.getTypeAtLocation(e));
  }

  private isBuiltinType(type: ts.Type): boolean {
    const [wrapped] = type.aliasTypeArguments ?? [];
    // `Readonly<Float64Array>` is a mapped type of the array's own.
    if (
      wrapped &&
      type.aliasSymbol?.name === "Readonly" &&
      declaredByStandardLibrary(type.aliasSymbol)
    )
      return this.isBuiltinType(wrapped);
    // A tuple type (`as const`) has no symbol of its own: its values are arrays.
    return isBuiltin(type.getSymbol()) || this.checker.isTupleType(type);
  }

  isPrimitive(e: ts.Expression): boolean {
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

  isFunctionValue(e: ts.Expression): boolean {
    return mayBeCallable(this.ts, this.checker.getTypeAtLocation(e));
  }

  symbolOf(node: ts.Node): ts.Symbol | undefined {
    let symbol = this.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & this.ts.SymbolFlags.Alias)
      symbol = this.checker.getAliasedSymbol(symbol);
    return symbol;
  }
}

/** `X.prototype.m` read (not assigned): the prototype itself is not handed on. */
function readsMember(
  ts: typeof import("typescript"),
  prototype: ts.PropertyAccessExpression,
): boolean {
  const parent = prototype.parent;
  return (
    ts.isPropertyAccessExpression(parent) &&
    parent.expression === prototype &&
    !isAssignmentTarget(ts, parent)
  );
}

export function isFunctionWithBody(
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

export function constructorOf(
  ts: typeof import("typescript"),
  cls: ts.ClassLikeDeclaration,
): ts.ConstructorDeclaration | undefined {
  return cls.members.find(
    (m): m is ts.ConstructorDeclaration =>
      ts.isConstructorDeclaration(m) && m.body !== undefined,
  );
}

/** A method's name as calls spell it: `ring`, `"ring"` and `["ring"]` alike. */
function keyText(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  key: ts.PropertyName | ts.MemberName,
): string | undefined {
  if (ts.isComputedPropertyName(key)) {
    const e = key.expression;
    if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e)) return e.text;
    // `[Symbol.iterator]`: no call by name reaches it (the library's
    // `Symbol`, not a program's object of that name).
    if (
      ts.isPropertyAccessExpression(e) &&
      ts.isIdentifier(e.expression) &&
      e.expression.text === "Symbol" &&
      declaredByStandardLibrary(checker.getSymbolAtLocation(e.expression))
    )
      return `[${e.getText()}]`;
    return undefined;
  }
  if (ts.isPrivateIdentifier(key)) return key.text;
  return (key as ts.Identifier | ts.StringLiteral | ts.NumericLiteral).text;
}

const anyProperty = Symbol("a property named at run time");
type AnyProperty = typeof anyProperty;

/**
 * Whether a getter's code may change something itself: an assignment, a
 * call, a `new`. What it reads goes into `reads`: a property read runs
 * the program's getter of its name, if there is one (the index asks
 * whether that one may change something).
 */
function mayWrite(
  ts: typeof import("typescript"),
  body: ts.Node,
  reads: Set<string | AnyProperty>,
): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) reads.add(node.name.text);
    if (ts.isElementAccessExpression(node)) {
      const key = skipWrappers(ts, node.argumentExpression);
      reads.add(
        ts.isStringLiteralLike(key) || ts.isNumericLiteral(key)
          ? key.text
          : anyProperty,
      );
    }
    // `const { n } = this.o` reads `o.n`.
    if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const key = node.propertyName ?? node.name;
      reads.add(
        ts.isIdentifier(key) || ts.isStringLiteralLike(key)
          ? key.text
          : anyProperty,
      );
    }
    if (
      forEachWrittenTarget(ts, node, () => {}) ||
      ts.isCallExpression(node) ||
      ts.isNewExpression(node) ||
      ts.isTaggedTemplateExpression(node)
    )
      found = true;
    if (!found) ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/**
 * Whether `e`, a descriptor or an object of them, may give a property a
 * getter or a setter: anything but object literals without `get`/`set`.
 */
function mayDescribeAccessors(
  ts: typeof import("typescript"),
  e: ts.Expression,
): boolean {
  e = skipWrappers(ts, e);
  if (!ts.isObjectLiteralExpression(e)) return true;
  return e.properties.some((p) => {
    const name = p.name && ts.isIdentifier(p.name) ? p.name.text : undefined;
    if (ts.isSpreadAssignment(p) || name === undefined) return true;
    if (name === "get" || name === "set") return true;
    return ts.isPropertyAssignment(p) &&
      ts.isObjectLiteralExpression(skipWrappers(ts, p.initializer))
      ? mayDescribeAccessors(ts, p.initializer)
      : false;
  });
}

/** A type whose values may be functions: callable, generic, any, or a union with one. */
export function mayBeCallable(
  ts: typeof import("typescript"),
  type: ts.Type,
): boolean {
  if (type.isUnionOrIntersection())
    return type.types.some((t) => mayBeCallable(ts, t));
  const symbol = type.getSymbol();
  return (
    type.getCallSignatures().length > 0 ||
    // `ring: Function` may be called, with no signature (and so may an
    // interface extending `Function`); an `Object` or a `{}` may hold a
    // function.
    (declaredByLibrary(symbol) && /Function$|^Object$/.test(symbol.name)) ||
    ["apply", "call", "bind"].every((name) => type.getProperty(name)) ||
    (type.flags & ts.TypeFlags.Object &&
      type.getProperties().length === 0 &&
      type.getConstructSignatures().length === 0) ||
    (type.flags &
      (ts.TypeFlags.Any |
        ts.TypeFlags.Unknown |
        ts.TypeFlags.TypeParameter |
        ts.TypeFlags.NonPrimitive)) !==
      0
  );
}

/** A name only library files declare: the standard library's, a package's. */
export function declaredByLibrary(
  symbol: ts.Symbol | undefined,
): symbol is ts.Symbol {
  const declarations = symbol?.declarations ?? [];
  return (
    declarations.length > 0 &&
    declarations.every((d) => isLibraryFile(d.getSourceFile()))
  );
}

/**
 * Declared by the standard library's files (`lib.es5.d.ts`...): not a
 * package's, whose `slice` may be a view (Node's `Buffer`) and whose data
 * the program may change. A package's declaration files may restate a
 * standard interface with no members of its own, to give it a base whose
 * members the standard library declares too: `@types/node` has
 * `interface Array<T> extends RelativeIndexable<T> {}`, for `at`. That
 * adds nothing: the interface stays the standard library's. (A base with
 * other members, `toJSON`, gives arrays methods tsad does not see.)
 */
export function declaredByStandardLibrary(
  symbol: ts.Symbol | undefined,
): symbol is ts.Symbol {
  if (!declaredByLibrary(symbol)) return false;
  const declarations = symbol.declarations!;
  const standard = declarations.filter(
    (d) => d.getSourceFile().hasNoDefaultLib,
  );
  if (standard.length === 0) return false;
  if (standard.length === declarations.length) return true;
  const standardMembers = new Set(
    standard.flatMap(
      (d) => (d as InterfaceLike).members?.map(memberName) ?? [],
    ),
  );
  return declarations.every(
    (d) => standard.includes(d) || addsKnownBases(d, standardMembers),
  );
}

type InterfaceLike = Partial<
  Pick<ts.InterfaceDeclaration, "name" | "members" | "heritageClauses">
>;

/**
 * `interface Array<T> extends RelativeIndexable<T> {}`: no members of its
 * own, and bases declared beside it (with no bases of their own) whose
 * members are all among `known`.
 */
function addsKnownBases(
  declaration: ts.Declaration,
  known: ReadonlySet<string | undefined>,
): boolean {
  const { members, heritageClauses } = declaration as InterfaceLike;
  if (members?.length !== 0 || heritageClauses === undefined) return false;
  return heritageClauses.every((clause) =>
    clause.types.every((base) => {
      const name = (base.expression as Partial<ts.Identifier>).text;
      const found = interfacesNamed(declaration.getSourceFile(), name);
      return (
        found.length > 0 &&
        found.every(
          (d) =>
            d.heritageClauses === undefined &&
            d.members!.every((m) => known.has(memberName(m))),
        )
      );
    }),
  );
}

function memberName(member: ts.TypeElement): string | undefined {
  return member.name?.getText();
}

/** Interfaces `name` declares at the top of `file` or in `declare global`. */
function interfacesNamed(
  file: ts.SourceFile,
  name: string | undefined,
): InterfaceLike[] {
  const found: InterfaceLike[] = [];
  const visit = (statements: readonly ts.Statement[]) => {
    for (const statement of statements) {
      const s = statement as InterfaceLike & {
        body?: { statements?: readonly ts.Statement[] };
      };
      if (s.members && s.name?.text === name) found.push(s);
      if (s.body?.statements && s.name?.text === "global")
        visit(s.body.statements);
    }
  };
  if (name !== undefined) visit(file.statements);
  return found;
}

/**
 * Whether `node` only declares what code elsewhere defines: in a
 * declaration file, or under `declare` (`declare class W {}`,
 * `declare module "pkg" { ... }`).
 */
function isAmbient(ts: typeof import("typescript"), node: ts.Node): boolean {
  return (
    node.getSourceFile().isDeclarationFile ||
    ts.findAncestor(
      node,
      (n) =>
        ts.canHaveModifiers(n) &&
        (ts
          .getModifiers(n)
          ?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) ??
          false),
    ) !== undefined
  );
}

/** The standard library's arrays, maps, strings ...: their methods are its own. */
/** The property `o.p` or `o["p"]` names; `undefined` for one known at run time. */
export function propertyName(
  ts: typeof import("typescript"),
  access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): string | undefined {
  if (ts.isPropertyAccessExpression(access)) return access.name.text;
  const key = skipWrappers(ts, access.argumentExpression);
  return ts.isStringLiteralLike(key) || ts.isNumericLiteral(key)
    ? key.text
    : undefined;
}

/** `null`, `undefined`, or no expression at all: no `this` to give. */
export function isNullish(
  ts: typeof import("typescript"),
  e: ts.Expression | undefined,
): boolean {
  return (
    e === undefined ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(e) && e.text === "undefined")
  );
}

export function isBuiltin(symbol: ts.Symbol | undefined): boolean {
  return (
    declaredByStandardLibrary(symbol) &&
    /^(Readonly)?Array$|^\w+Array$|^(String|Number|Boolean|Object|Function|Map|Set|WeakMap|WeakSet|ReadonlyMap|ReadonlySet|Promise|RegExp|Date|Symbol|BigInt|Error)$/.test(
      symbol.name,
    )
  );
}

/** Whether a type's symbol (one of a union's) is a package's. */
function packageType(type: ts.Type): boolean {
  if (type.isUnionOrIntersection()) return type.types.some(packageType);
  const symbol = type.aliasSymbol ?? type.getSymbol();
  return declaredByLibrary(symbol) && !declaredByStandardLibrary(symbol);
}

/**
 * A declaration file of the standard library or of a package, whose code
 * tsad takes on trust; not one of the program's own, which may declare
 * what the program's code defines (`declare var saved: number[]`).
 */
export function isLibraryFile(file: ts.SourceFile): boolean {
  return (
    file.isDeclarationFile &&
    (file.hasNoDefaultLib || file.fileName.includes("/node_modules/"))
  );
}
