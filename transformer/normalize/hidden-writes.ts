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
 * So a marked function may make a call that writes into something it
 * did not create (unmarked-writes.ts finds those writes) only when it,
 * and the marked functions it calls, read nothing that could be that
 * thing: a write into a module-level object only its own name reaches
 * conflicts with reads of that name; any other write, with any read of an
 * array parameter, a module-level array or object, or an array passed to
 * or returned by unmarked code.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError, type RelatedNode } from "../diagnostics";
import { resolveMarkedCallee, type DifferentiableFunction } from "../select";
import { contains, noWrites, type UnmarkedWrites } from "./unmarked-writes";
import { isAssignmentTarget } from "./outer-variables";
import { propertyName } from "./call-targets";
import { isFieldBinding, isWrapper, skipWrappers } from "./wrappers";

/** What a marked function reads that code outside it can reach. */
interface Reads {
  /** Module-level objects only their own name reaches. */
  readonly own: Map<ts.Symbol, RelatedNode>;
  /** An array or object other names may reach: a parameter, a module-level array. */
  shared?: RelatedNode;
  /** Code that may read anything, a module's own objects too: a getter. */
  anything?: RelatedNode;
}

/** A write a call in a marked function leads to, with the calls on the way. */
interface Reached {
  /** The call, or the property read that may run a getter. */
  readonly call: ts.Node;
  /** The unmarked function that writes, as the call that runs it names it. */
  readonly writer: string;
  readonly path: readonly RelatedNode[];
}

interface MarkedEffects {
  readonly reads: Reads;
  readonly own: Map<ts.Symbol, Reached>;
  anything?: Reached;
  /** The first property read of the function itself that may run a getter. */
  getter?:
    | ts.PropertyAccessExpression
    | ts.ElementAccessExpression
    | ts.BindingElement;
}

type CallLike =
  ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression;

export class HiddenWrites {
  private readonly marked = new WeakMap<ts.Node, MarkedEffects>();
  /** Marked functions being read: recursion is an error of its own. */
  private readonly inProgress = new Set<ts.Node>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly unmarked: UnmarkedWrites,
  ) {}

  /**
   * Throws TS96018 at the first call in `fn` that may change, unseen, an
   * array or object `fn` or a marked function it calls reads.
   */
  require(fn: DifferentiableFunction, name: string): void {
    const effects = this.markedEffects(fn);
    const { reads } = effects;
    for (const [symbol, reached] of effects.own) {
      const read = reads.own.get(symbol) ?? reads.anything;
      if (read) throw this.conflict(name, reached, symbol.name, read);
    }
    const read =
      reads.anything ?? reads.shared ?? reads.own.values().next().value;
    if (effects.anything && read)
      throw this.conflict(name, effects.anything, undefined, read);
  }

  /**
   * The first property read in `fn` itself (not in a marked function it
   * calls) that may run a getter of the program's: code that may give
   * back what an unmarked call kept (callees.ts).
   */
  getterReadIn(fn: DifferentiableFunction): ts.Node | undefined {
    return this.markedEffects(fn).getter;
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
    const { ts } = this;
    const message =
      ts.isPropertyAccessExpression(reached.call) ||
      ts.isElementAccessExpression(reached.call) ||
      ts.isBindingElement(reached.call)
        ? `'${writer}' may run a getter, code tsad does not see, and it ${what}. The derivative code reads what '${fn}' read again after it, so it would see the changed values. Read '${writer}' outside the marked functions and pass the value in.`
        : ts.isBinaryExpression(reached.call) ||
            ts.isPrefixUnaryExpression(reached.call)
          ? `'${writer}' turns an object into a string or a number with its own methods, code tsad does not see, and it ${what}. The derivative code reads what '${fn}' read again after it, so it would see the changed values. Convert the object outside the marked functions and pass the result in.`
          : `'${writer}' is not marked, and it ${what}. The derivative code reads what '${fn}' read again after the call, so it would see the changed values. Call '${writer}' outside the marked functions (before or after '${fn}'), or have it return what it computes instead of writing it.`;
    // A call tsad would otherwise follow may be one it cannot because of
    // code elsewhere in the program: say where.
    const unknown = this.unmarked.targets.unknownMethods();
    return new DiffError(reached.call, DiagnosticCode.HiddenWrite, message, [
      ...reached.path,
      read,
      ...(unknown ? [unknown] : []),
    ]);
  }

  private markedEffects(fn: DifferentiableFunction): MarkedEffects {
    const known = this.marked.get(fn);
    if (known) return known;
    const effects: MarkedEffects = {
      reads: { own: new Map() },
      own: new Map(),
    };
    if (this.inProgress.has(fn)) return effects;
    this.inProgress.add(fn);
    try {
      this.collectMarked(fn, effects);
    } finally {
      this.inProgress.delete(fn);
    }
    this.marked.set(fn, effects);
    return effects;
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
    // Into nested functions too: `Array.from` callbacks run in `fn`. Not
    // into a thrown value: it runs where no derivative is returned.
    const visit = (node: ts.Node): void => {
      if (ts.isThrowStatement(node)) return;
      if (ts.isIdentifier(node)) this.noteRead(node, fn, effects);
      // `OPTS["lr"]` and `const { lr } = OPTS` read a field as `OPTS.lr` does.
      if (ts.isElementAccessExpression(node) || isFieldBinding(ts, node))
        this.noteGetterRead(node, effects);
      if (
        ts.isCallExpression(node) ||
        ts.isNewExpression(node) ||
        ts.isTaggedTemplateExpression(node)
      )
        this.noteCall(node, fn, effects);
      // `"" + o`, `+o`, `o < 1`: the language turns an object of the
      // program's into a string or a number with its own methods.
      const operands =
        ts.isBinaryExpression(node) && coerces(ts, node.operatorToken.kind)
          ? [node.left, node.right]
          : ts.isPrefixUnaryExpression(node) &&
              node.operator !== ts.SyntaxKind.ExclamationToken
            ? [node.operand]
            : [];
      if (
        operands.some((o) =>
          this.unmarked.ownObject(this.checker.getTypeAtLocation(o)),
        )
      )
        effects.anything ??= {
          call: node,
          writer: node.getText(),
          path: [],
        };
      ts.forEachChild(node, visit);
    };
    // A parameter's default is computed again in the reverse sweep, and
    // a destructured one's fields read in each derivative.
    for (const p of fn.parameters) {
      if (p.initializer) visit(p.initializer);
      if (!ts.isIdentifier(p.name)) visit(p.name);
    }
    if (fn.body) ts.forEachChild(fn.body, visit);
  }

  private noteRead(
    id: ts.Identifier,
    fn: ts.Node,
    effects: MarkedEffects,
  ): void {
    const { ts } = this;
    const { reads } = effects;
    if (
      ts.isPropertyAccessExpression(id.parent) &&
      id.parent.name === id &&
      this.noteGetterRead(id.parent, effects)
    )
      return;
    const declaration = this.unmarked.targets.symbolOf(id)?.valueDeclaration;
    // The standard library's data is no program's; a package's may be.
    const program =
      declaration !== undefined && !declaration.getSourceFile().hasNoDefaultLib;
    // `JSON.w`: a field the program adds to a library object.
    if (
      program &&
      ts.isPropertyAccessExpression(id.parent) &&
      id.parent.name === id &&
      this.unmarked.targets
        .symbolOf(id.parent.expression)
        ?.valueDeclaration?.getSourceFile().hasNoDefaultLib
    ) {
      reads.shared ??= {
        node: id.parent,
        message: `'${id.parent.getText()}' is a field other code can set`,
      };
      return;
    }
    // `K.k`, `N.K.k`, `(K).k`, `F.k`, `E.A`, `N.k`: a field of a class, a
    // function (or a const holding one), an enum or a namespace, which any
    // code may set (`Object.assign(E, ...)`).
    if (program && !contains(fn, declaration)) {
      const field = this.fieldAccess(id);
      const holder =
        this.isCode(id) ||
        ts.isEnumDeclaration(declaration) ||
        ts.isModuleDeclaration(declaration);
      if (holder && field && !this.isObjectCallee(field)) {
        reads.shared ??= {
          node: field,
          message: `'${field.getText()}' is a field other code can set`,
        };
        return;
      }
      // `const K2 = K`: its fields are read under another name.
      if (
        this.isCode(id) &&
        !field &&
        !this.isCallee(id) &&
        !ts.findAncestor(id, ts.isTypeNode)
      ) {
        reads.shared ??= {
          node: id,
          message: `'${id.text}' has fields other code can set`,
        };
        return;
      }
    }
    if (
      !declaration ||
      !(
        ts.isVariableDeclaration(declaration) ||
        ts.isBindingElement(declaration) ||
        ts.isExportAssignment(declaration) // `export default [2]`
      ) ||
      !program ||
      contains(fn, declaration) ||
      !this.isObject(id) ||
      this.isMethodReceiver(id)
    )
      return;
    const symbol = this.unmarked.targets.symbolOf(id)!;
    if (
      ts.isVariableDeclaration(declaration) &&
      this.unmarked.isPrivateObject(declaration)
    )
      reads.own.set(symbol, { node: id, message: `'${id.text}' is read here` });
    else
      reads.shared ??= {
        node: id,
        message: `'${id.text}' is an array or object other code can reach`,
      };
  }

  /**
   * Whether `access` is a read that may run a getter of the program's,
   * noted as such: a getter reads what tsad does not follow, again in the
   * reverse sweep, and is code that may write anything, as a call may.
   */
  private noteGetterRead(
    access:
      | ts.PropertyAccessExpression
      | ts.ElementAccessExpression
      | ts.BindingElement,
    effects: MarkedEffects,
  ): boolean {
    const { ts } = this;
    const { targets } = this.unmarked;
    let name: string | undefined;
    let text: string;
    if (ts.isBindingElement(access)) {
      const key = access.propertyName ?? access.name;
      name =
        ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
      if (!targets.mayBeGetter(name)) return false;
      text = `{ ${access.getText()} }`;
    } else {
      if (isAssignmentTarget(ts, access) || !targets.mayRunGetter(access))
        return false;
      name = propertyName(ts, access);
      text = access.getText();
    }
    effects.reads.anything ??= {
      node: access,
      message: `'${text}' may run a getter, which reads what tsad cannot see`,
    };
    effects.getter ??= access;
    if (targets.mayBeWritingGetter(name))
      effects.anything ??= { call: access, writer: text, path: [] };
    return true;
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
      !this.unmarked.isLibraryCall(call)
    );
  }

  private noteCall(
    call: CallLike,
    fn: DifferentiableFunction,
    effects: MarkedEffects,
  ): void {
    const { ts } = this;
    const callee = ts.isTaggedTemplateExpression(call)
      ? call.tag
      : skipWrappers(ts, call.expression);
    const marked =
      ts.isCallExpression(call) &&
      resolveMarkedCallee(ts, this.checker, callee)?.declaration;
    if (marked) return this.liftMarked(call, callee, marked, effects);
    if (this.unmarked.isStopGradient(call)) return;
    const library = this.unmarked.isLibraryCall(call);
    if (
      !ts.isNewExpression(call) &&
      (!library || this.unmarked.mayKeepArguments(call))
    ) {
      // What an unmarked function is given, it may keep.
      const args = ts.isCallExpression(call) ? call.arguments : [];
      for (const argument of args)
        if (this.isObject(argument))
          effects.reads.shared ??= {
            node: argument,
            message: `'${argument.getText()}' is passed to '${callee.getText()}' here, which may keep it`,
          };
    }
    // What it returns, other code may reach: a library function's result
    // too (`Reflect.get(globalThis, "w")`), but a copy (`x.slice()`).
    if (
      !ts.isNewExpression(call) &&
      this.isObject(call) &&
      !(library && this.unmarked.isFresh(call))
    )
      effects.reads.shared ??= {
        node: call,
        message: `'${callee.getText()}' returns an array or object other code can reach`,
      };
    // Writes into `fn`'s own arrays are unmarked-array-arguments.ts's.
    const writes = noWrites();
    this.unmarked.addCall(call, fn, writes);
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

  private liftMarked(
    call: ts.CallExpression,
    callee: ts.Expression,
    marked: DifferentiableFunction,
    effects: MarkedEffects,
  ): void {
    const { ts } = this;
    const inner = this.markedEffects(marked);
    const name = ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : callee.getText();
    const lift = (reached: Reached): Reached => ({
      call,
      writer: reached.writer,
      path: [
        {
          node: reached.call,
          message: `'${name}' calls '${reached.writer}' here`,
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
    effects.reads.anything ??= inner.reads.anything;
  }

  /**
   * The property access `id` is the object of, through a namespace
   * (`N.K.k`) and wrappers (`(K).k`, `K!.k`).
   */
  private fieldAccess(
    id: ts.Identifier,
  ): ts.PropertyAccessExpression | undefined {
    const { ts } = this;
    let object: ts.Node = id;
    if (ts.isPropertyAccessExpression(id.parent) && id.parent.name === id)
      object = id.parent;
    while (isWrapper(ts, object.parent)) object = object.parent;
    const access = object.parent;
    return ts.isPropertyAccessExpression(access) && access.expression === object
      ? access
      : undefined;
  }

  /** A function or a class. */
  private isCode(node: ts.Node): boolean {
    const type = this.checker.getTypeAtLocation(node);
    return (
      type.getCallSignatures().length > 0 ||
      type.getConstructSignatures().length > 0
    );
  }

  /** `g(x)`, `new K()`: a function or class called, not handed on. */
  private isCallee(id: ts.Identifier): boolean {
    const { ts } = this;
    let callee: ts.Node = id;
    if (ts.isPropertyAccessExpression(id.parent) && id.parent.name === id)
      callee = id.parent;
    const call = callee.parent;
    return (
      (ts.isCallExpression(call) || ts.isNewExpression(call)) &&
      skipWrappers(ts, call.expression) === callee
    );
  }

  /** `K.make()`: a call of a static method, not a read of a field. */
  private isObjectCallee(access: ts.PropertyAccessExpression): boolean {
    const call = access.parent;
    return this.ts.isCallExpression(call) && call.expression === access;
  }

  /** Whether `node`'s value is an array or object (not a number, a function). */
  private isObject(node: ts.Node): boolean {
    const type = this.checker.getTypeAtLocation(node);
    return isObjectType(this.ts, type) && type.getCallSignatures().length === 0;
  }
}

/** An array or object type, or one that may be (`any`, a type parameter). */
export function isObjectType(
  ts: typeof import("typescript"),
  type: ts.Type,
): boolean {
  if (type.isUnion() || type.isIntersection())
    return type.types.some((t) => isObjectType(ts, t));
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  // `T extends number[]`: whatever `T` may be.
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = type.getConstraint();
    return constraint === undefined || isObjectType(ts, constraint);
  }
  return (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.NonPrimitive)) !== 0;
}

/** Whether an operator turns its operands into strings or numbers. */
export function coerces(
  ts: typeof import("typescript"),
  operator: ts.BinaryOperator,
): boolean {
  const { SyntaxKind } = ts;
  return ![
    SyntaxKind.EqualsEqualsEqualsToken,
    SyntaxKind.ExclamationEqualsEqualsToken,
    SyntaxKind.EqualsToken,
    SyntaxKind.AmpersandAmpersandToken,
    SyntaxKind.BarBarToken,
    SyntaxKind.QuestionQuestionToken,
    SyntaxKind.AmpersandAmpersandEqualsToken,
    SyntaxKind.BarBarEqualsToken,
    SyntaxKind.QuestionQuestionEqualsToken,
    SyntaxKind.CommaToken,
    SyntaxKind.InstanceOfKeyword,
    SyntaxKind.InKeyword,
  ].includes(operator);
}
