/**
 * Emit: IR -> TypeScript nodes, and the module-level glue.
 *
 * A generated function becomes a function declaration placed right after
 * the user's function (exported when it is), and each marked function is
 * registered with the runtime so `grad(f)` can find its derivatives:
 *
 *   import * as tsad from "tsad";
 *   tsad.registerCompiled(f, { name: "f", params: ["number"], result:
 *     "number", jvp: f__jvp, vjp: f__vjp });
 *
 * Calls into other modules go through a namespace import that this module
 * adds (`import * as lib_1 from "./lib.js"`), never through the user's
 * own imports, which TypeScript may elide or rewrite.
 */
import type * as ts from "typescript";
import type { ValueKind } from "../runtime/registry";
import {
  inferTypes,
  poppedAs,
  type CalleeRef,
  type Expr,
  type FunctionIR,
  type ResultShape,
  type Stmt,
  type ValueType,
} from "./ir";
import { derivativeName } from "./naming";

export class Emitter {
  private readonly factory: ts.NodeFactory;
  /** One namespace import per module specifier this file's code calls into. */
  readonly moduleImports = new Map<string, ts.Identifier>();

  /** The namespace the runtime is imported as (`tsad_1`). */
  readonly runtime: ts.Identifier;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly context: ts.TransformationContext,
    runtimeModule: string,
  ) {
    this.factory = context.factory;
    this.runtime = this.namespaceFor(runtimeModule, "tsad");
  }

  namespaceFor(specifier: string, hint: string): ts.Identifier {
    let id = this.moduleImports.get(specifier);
    if (!id) {
      id = this.factory.createUniqueName(hint);
      this.moduleImports.set(specifier, id);
    }
    return id;
  }

  importDeclarations(): ts.ImportDeclaration[] {
    const f = this.factory;
    return [...this.moduleImports].map(([specifier, id]) =>
      f.createImportDeclaration(
        undefined,
        f.createImportClause(false, undefined, f.createNamespaceImport(id)),
        f.createStringLiteral(specifier),
      ),
    );
  }

  functionDeclaration(
    fn: FunctionIR,
    exported: boolean,
  ): ts.FunctionDeclaration {
    const f = this.factory;
    const ts = this.ts;
    const params = fn.params.map((p) => {
      const type = p.type ?? this.kindType(p.kind);
      return f.createParameterDeclaration(
        undefined,
        undefined,
        p.name,
        undefined,
        p.optional
          ? f.createUnionTypeNode([type, this.kindType("none")])
          : type,
      );
    });
    const returnType = fn.resultShape
      ? this.shapeType(fn.resultShape)
      : fn.returnType;
    const declaration = f.createFunctionDeclaration(
      exported ? [f.createModifier(ts.SyntaxKind.ExportKeyword)] : undefined,
      undefined,
      fn.name,
      undefined,
      params,
      returnType,
      f.createBlock(this.statements(fn.body, inferTypes(fn)), true),
    );
    // Generated nodes carry no comments: the printer need not look for any.
    return ts.setEmitFlags(declaration, ts.EmitFlags.NoNestedComments);
  }

  /**
   * `gradients`: the gradient-only adjoints emitted for `name`, listed by
   * argnums (`grad: { "0,1": f__grad_0_1 }`); `tangentVjp`: the adjoint of its
   * tangent, where emitted.
   */
  registration(
    name: string,
    params: readonly ValueKind[],
    /** How many arguments a call needs: fewer than `params` where the last may be left out. */
    required: number,
    result: ValueKind,
    gradients: readonly {
      readonly argnums: readonly number[];
      readonly withValue: boolean;
      readonly name: string;
    }[],
    tangentVjp: string | undefined,
    /** The callees it reaches another module's exports through (module-calls.ts). */
    calls: readonly CalleeRef[],
  ): ts.Statement {
    const f = this.factory;
    const kinds = (list: readonly ValueKind[]) =>
      f.createArrayLiteralExpression(list.map((k) => f.createStringLiteral(k)));
    const table = (api: "grad" | "valueAndGrad", withValue: boolean) => {
      const entries = gradients.filter((g) => g.withValue === withValue);
      if (entries.length === 0) return [];
      return [
        f.createPropertyAssignment(
          api,
          f.createObjectLiteralExpression(
            entries.map((g) =>
              f.createPropertyAssignment(
                f.createStringLiteral(g.argnums.join(",")),
                f.createIdentifier(g.name),
              ),
            ),
            true,
          ),
        ),
      ];
    };
    return f.createExpressionStatement(
      f.createCallExpression(
        f.createPropertyAccessExpression(this.runtime, "registerCompiled"),
        undefined,
        [
          f.createIdentifier(name),
          f.createObjectLiteralExpression(
            [
              f.createPropertyAssignment("name", f.createStringLiteral(name)),
              f.createPropertyAssignment("params", kinds(params)),
              ...(required < params.length
                ? [
                    f.createPropertyAssignment(
                      "required",
                      f.createNumericLiteral(required),
                    ),
                  ]
                : []),
              f.createPropertyAssignment(
                "result",
                f.createStringLiteral(result),
              ),
              f.createPropertyAssignment(
                "jvp",
                f.createIdentifier(derivativeName(name, "jvp")),
              ),
              f.createPropertyAssignment(
                "vjp",
                f.createIdentifier(derivativeName(name, "vjp")),
              ),
              ...table("grad", /*withValue*/ false),
              ...table("valueAndGrad", /*withValue*/ true),
              ...(tangentVjp
                ? [
                    f.createPropertyAssignment(
                      "tangentVjp",
                      f.createIdentifier(tangentVjp),
                    ),
                  ]
                : []),
              ...(calls.length > 0
                ? [
                    f.createPropertyAssignment(
                      "calls",
                      f.createArrowFunction(
                        undefined,
                        undefined,
                        [],
                        undefined,
                        undefined,
                        // Flat: the runtime reads it at every call.
                        f.createArrayLiteralExpression(
                          calls.flatMap((ref) => [
                            this.calleeExpression(ref, "primal"),
                            this.calleeExpression(ref, "vjp"),
                          ]),
                        ),
                      ),
                    ),
                  ]
                : []),
            ],
            true,
          ),
        ],
      ),
    );
  }

  private shapeType(shape: ResultShape): ts.TypeNode {
    return typeof shape === "string"
      ? this.kindType(shape)
      : this.factory.createTupleTypeNode(shape.map((s) => this.shapeType(s)));
  }

  private kindType(kind: ValueKind): ts.TypeNode {
    const f = this.factory;
    const number = () =>
      f.createKeywordTypeNode(this.ts.SyntaxKind.NumberKeyword);
    switch (kind) {
      case "number":
        return number();
      case "array":
        return f.createArrayTypeNode(number());
      case "matrix":
        return f.createArrayTypeNode(f.createArrayTypeNode(number()));
      case "float64":
        return f.createTypeReferenceNode("Float64Array");
      case "float32":
        return f.createTypeReferenceNode("Float32Array");
      case "none":
        return f.createKeywordTypeNode(this.ts.SyntaxKind.UndefinedKeyword);
    }
  }

  /** The thrown value as written, each site reading its variable's value. */
  private thrown(s: Extract<Stmt, { kind: "throw" }>): ts.Expression {
    const ts = this.ts;
    const read = (node: ts.Node) => {
      const k = s.sites.indexOf(node as ts.Expression);
      if (k === -1) return undefined;
      const value = this.expression(s.reads[k]!);
      // A read made an expression keeps its place: `${-x ** 2}` is no JS.
      return ts.isIdentifier(value) ||
        ts.isNumericLiteral(value) ||
        inAnyExpression(ts, node)
        ? value
        : this.factory.createParenthesizedExpression(value);
    };
    const visit = (node: ts.Node): ts.Node =>
      read(node) ?? ts.visitEachChild(node, visit, this.context);
    return visit(s.value) as ts.Expression;
  }

  private statements(
    body: readonly Stmt[],
    types: ReadonlyMap<string, ValueType>,
  ): ts.Statement[] {
    return body.map((s) => this.statement(s, types));
  }

  private statement(
    s: Stmt,
    types: ReadonlyMap<string, ValueType>,
  ): ts.Statement {
    const f = this.factory;
    const ts = this.ts;
    const declare = (
      name: string | ts.BindingName,
      init: Expr | undefined,
      flags: ts.NodeFlags,
      type?: ValueType,
    ) =>
      f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList(
          [
            f.createVariableDeclaration(
              name,
              undefined,
              type &&
                f.createKeywordTypeNode(
                  type === "number"
                    ? ts.SyntaxKind.NumberKeyword
                    : ts.SyntaxKind.BooleanKeyword,
                ),
              init && this.expression(init),
            ),
          ],
          flags,
        ),
      );
    switch (s.kind) {
      case "const":
        return declare(s.name, s.value, ts.NodeFlags.Const);
      case "declare":
        return declare(
          s.name,
          s.init,
          ts.NodeFlags.Let,
          s.init ? undefined : types.get(s.name),
        );
      case "destructure":
        return declare(
          f.createArrayBindingPattern(
            s.names.map((n) =>
              n
                ? f.createBindingElement(undefined, undefined, n)
                : f.createOmittedExpression(),
            ),
          ),
          s.value,
          ts.NodeFlags.Const,
        );
      case "assign":
        return f.createExpressionStatement(
          f.createAssignment(
            f.createIdentifier(s.name),
            this.expression(s.value),
          ),
        );
      case "accumulate": {
        // `a -= b` for `a += -b` (and `a -= 2 * g` for `a += -2 * g`): the
        // same number, and V8 runs it faster (a tenth of Lennard-Jones'
        // gradient).
        const negated = negationOf(s.value);
        const [operator, value]: [ts.CompoundAssignmentOperator, Expr] = negated
          ? [ts.SyntaxKind.MinusEqualsToken, negated]
          : [ts.SyntaxKind.PlusEqualsToken, s.value];
        return f.createExpressionStatement(
          f.createBinaryExpression(
            this.elementOf({ kind: "var", name: s.name }, s.indices ?? []),
            operator,
            this.expression(value),
          ),
        );
      }
      case "effect":
        return f.createExpressionStatement(this.expression(s.value));
      case "throw":
        return f.createThrowStatement(this.thrown(s));
      case "if":
        if (s.then.length === 0) {
          // `if (c) {} else { ... }` reads better as `if (!c) { ... }`.
          return f.createIfStatement(
            f.createLogicalNot(this.expression(s.test)),
            f.createBlock(this.statements(s.else, types), true),
          );
        }
        return f.createIfStatement(
          this.expression(s.test),
          f.createBlock(this.statements(s.then, types), true),
          this.elseBranch(s.else, types),
        );
      case "return":
        return f.createReturnStatement(this.expression(s.value));
      case "loop":
        return this.loop(s, types);
      case "store":
        return f.createExpressionStatement(
          f.createBinaryExpression(
            this.elementOf(s.array, s.indices),
            s.mode === "set"
              ? ts.SyntaxKind.EqualsToken
              : ts.SyntaxKind.PlusEqualsToken,
            this.expression(s.value),
          ),
        );
      case "append":
        return f.createExpressionStatement(
          f.createCallExpression(
            f.createPropertyAccessExpression(this.expression(s.array), "push"),
            undefined,
            [this.expression(s.value)],
          ),
        );
      case "shorten": {
        const target = this.elementOf(s.array, s.indices);
        return f.createExpressionStatement(
          s.length
            ? f.createAssignment(
                f.createPropertyAccessExpression(target, "length"),
                this.expression(s.length),
              )
            : f.createCallExpression(
                f.createPropertyAccessExpression(target, "pop"),
                undefined,
                [],
              ),
        );
      }
      case "push":
        return f.createExpressionStatement(
          f.createCallExpression(
            this.stackMethod(s.other ? "pushOther" : "push"),
            undefined,
            [this.expression(s.value)],
          ),
        );
      case "pop":
        return f.createExpressionStatement(
          f.createAssignment(
            f.createIdentifier(s.name),
            this.expression(poppedAs(s.as)),
          ),
        );
    }
  }

  private stackMethod(
    method: "push" | "pop" | "pushOther" | "popOther",
  ): ts.Expression {
    const f = this.factory;
    return f.createPropertyAccessExpression(
      f.createPropertyAccessExpression(this.runtime, "stack"),
      method,
    );
  }

  private loop(
    s: Extract<Stmt, { kind: "loop" }>,
    types: ReadonlyMap<string, ValueType>,
  ): ts.Statement {
    const f = this.factory;
    const ts = this.ts;
    const body = this.statements(s.body, types);
    const header = s.header;
    if (header.kind === "while") {
      if (header.test.length === 0) {
        return f.createWhileStatement(
          this.expression(header.condition),
          f.createBlock(body, true),
        );
      }
      const exit = f.createIfStatement(
        f.createLogicalNot(this.expression(header.condition)),
        f.createBreakStatement(),
      );
      return f.createWhileStatement(
        f.createTrue(),
        f.createBlock(
          [...this.statements(header.test, types), exit, ...body],
          true,
        ),
      );
    }
    const counter = f.createIdentifier(header.counter);
    const up = header.step > 0;
    const compare = up
      ? header.inclusive
        ? ts.SyntaxKind.LessThanEqualsToken
        : ts.SyntaxKind.LessThanToken
      : header.inclusive
        ? ts.SyntaxKind.GreaterThanEqualsToken
        : ts.SyntaxKind.GreaterThanToken;
    const step = Math.abs(header.step);
    const update =
      step === 1
        ? f.createPostfixUnaryExpression(
            counter,
            up ? ts.SyntaxKind.PlusPlusToken : ts.SyntaxKind.MinusMinusToken,
          )
        : f.createBinaryExpression(
            counter,
            up ? ts.SyntaxKind.PlusEqualsToken : ts.SyntaxKind.MinusEqualsToken,
            f.createNumericLiteral(step),
          );
    return f.createForStatement(
      f.createVariableDeclarationList(
        [
          f.createVariableDeclaration(
            header.counter,
            undefined,
            undefined,
            this.expression(header.start),
          ),
        ],
        ts.NodeFlags.Let,
      ),
      f.createBinaryExpression(counter, compare, this.expression(header.end)),
      update,
      f.createBlock(body, true),
    );
  }

  /** A lone `if` in an `else` prints as `else if`. */
  private elseBranch(
    body: readonly Stmt[],
    types: ReadonlyMap<string, ValueType>,
  ): ts.Statement | undefined {
    if (body.length === 0) return undefined;
    if (body.length === 1 && body[0]!.kind === "if") {
      return this.statement(body[0]!, types);
    }
    return this.factory.createBlock(this.statements(body, types), true);
  }

  expression(e: Expr): ts.Expression {
    const f = this.factory;
    const ts = this.ts;
    switch (e.kind) {
      case "num":
        return e.value < 0 || Object.is(e.value, -0)
          ? f.createPrefixUnaryExpression(
              ts.SyntaxKind.MinusToken,
              f.createNumericLiteral(-e.value),
            )
          : f.createNumericLiteral(e.value);
      case "var":
        return f.createIdentifier(e.name);
      case "verbatim":
        return e.node;
      case "mathConst":
        return f.createPropertyAccessExpression(
          f.createIdentifier("Math"),
          e.name,
        );
      case "bool":
        return e.value ? f.createTrue() : f.createFalse();
      case "undefined":
        return f.createIdentifier("undefined");
      case "binary":
      case "inactiveBinary": {
        // TypeScript's printer treats `*` and `+` as associative and drops
        // the parentheses of `a * (b * c)`; floating point is not, so keep
        // them. A negative base of `**` needs them too: `(-1.5) ** 2`.
        const sameOp = e.right.kind === "binary" && e.right.op === e.op;
        const negativeBase =
          e.op === "**" &&
          (e.left.kind === "neg" ||
            (e.left.kind === "num" && e.left.value < 0));
        const left = this.expression(e.left);
        const right = this.expression(e.right);
        return f.createBinaryExpression(
          negativeBase ? f.createParenthesizedExpression(left) : left,
          binaryToken(ts, e.op),
          sameOp ? f.createParenthesizedExpression(right) : right,
        );
      }
      case "compare":
        return f.createBinaryExpression(
          this.expression(e.left),
          compareToken(ts, e.op),
          this.expression(e.right),
        );
      case "orZero":
        return f.createBinaryExpression(
          this.expression(e.value),
          ts.SyntaxKind.QuestionQuestionToken,
          f.createNumericLiteral(0),
        );
      case "logical":
        return f.createBinaryExpression(
          this.expression(e.left),
          e.op === "&&"
            ? ts.SyntaxKind.AmpersandAmpersandToken
            : ts.SyntaxKind.BarBarToken,
          this.expression(e.right),
        );
      case "neg":
        // `-(2 * g)` as `-2 * g`, the same number: V8 compiles the
        // negation as an operation of its own.
        if (
          e.operand.kind === "binary" &&
          e.operand.op === "*" &&
          e.operand.left.kind === "num"
        ) {
          return this.expression({
            ...e.operand,
            left: { kind: "num", value: -e.operand.left.value },
          });
        }
        return f.createPrefixUnaryExpression(
          ts.SyntaxKind.MinusToken,
          this.expression(e.operand),
        );
      case "not":
        return f.createLogicalNot(this.expression(e.operand));
      case "math":
        return f.createCallExpression(
          f.createPropertyAccessExpression(f.createIdentifier("Math"), e.fn),
          undefined,
          e.args.map((a) => this.expression(a)),
        );
      case "call":
        return f.createCallExpression(
          this.calleeExpression(e.callee.ref, e.variant),
          undefined,
          primalArgs(e).map((a) => this.expression(a)),
        );
      case "extern": {
        const args = e.args.map((a) => this.expression(a));
        return e.method
          ? f.createCallExpression(
              f.createPropertyAccessExpression(args[0]!, e.method),
              undefined,
              args.slice(1),
            )
          : f.createCallExpression(e.callee, undefined, args);
      }
      case "member": {
        const object = this.expression(e.object);
        // `o["my-key"]`: a name that is no identifier, as written.
        const key =
          typeof e.key !== "string"
            ? this.expression(e.key)
            : /^[A-Za-z_$][\w$]*$/.test(e.key)
              ? e.key
              : f.createStringLiteral(e.key);
        // A chain node only for `o?.k`: the transform that writes `?.`
        // out for targets before ES2020 takes any other for one.
        if (!e.optional) {
          return typeof key === "string"
            ? f.createPropertyAccessExpression(object, key)
            : f.createElementAccessExpression(object, key);
        }
        const questionDot = f.createToken(ts.SyntaxKind.QuestionDotToken);
        return typeof key === "string"
          ? f.createPropertyAccessChain(object, questionDot, key)
          : f.createElementAccessChain(object, questionDot, key);
      }
      case "cond":
        return f.createConditionalExpression(
          this.expression(e.test),
          f.createToken(ts.SyntaxKind.QuestionToken),
          this.expression(e.whenTrue),
          f.createToken(ts.SyntaxKind.ColonToken),
          this.expression(e.whenFalse),
        );
      case "tuple":
        return f.createArrayLiteralExpression(
          e.elements.map((a) => this.expression(a)),
        );
      case "stopGradient":
        return this.expression(e.value);
      case "index":
        return this.elementOf(e.array, e.indices);
      case "zeros":
        return this.zeros(this.expression(e.like), e.arrayKind);
      case "newArray":
        return e.columns
          ? this.newMatrix(
              this.expression(e.length),
              this.expression(e.columns),
            )
          : this.newArray(this.expression(e.length), e.arrayKind);
      case "arrayLiteral":
        return f.createArrayLiteralExpression(
          e.elements.map((element) => this.expression(element)),
        );
      case "copy": {
        const slice = (array: ts.Expression) =>
          f.createCallExpression(
            f.createPropertyAccessExpression(array, "slice"),
            undefined,
            [],
          );
        if (!e.matrix) return slice(this.expression(e.array));
        return this.mapRows(this.expression(e.array), slice);
      }
      case "length":
        return f.createPropertyAccessExpression(
          this.elementOf(e.array, e.indices),
          "length",
        );
      case "popped":
        return f.createCallExpression(
          this.stackMethod(e.other ? "popOther" : "pop"),
          undefined,
          [],
        );
    }
  }

  /**
   * Zeros shaped like `like`: `new Float64Array(x.length)`,
   * `new Array(x.length).fill(0)`, `m.map((row) => new Array(row.length).fill(0))`.
   */
  /** `new Float64Array(n)`, `new Array(n).fill(0)`. */
  private newArray(length: ts.Expression, kind: ValueKind): ts.Expression {
    const f = this.factory;
    if (kind === "float64" || kind === "float32") {
      return f.createNewExpression(
        f.createIdentifier(
          kind === "float64" ? "Float64Array" : "Float32Array",
        ),
        undefined,
        [length],
      );
    }
    return f.createCallExpression(
      f.createPropertyAccessExpression(
        f.createNewExpression(f.createIdentifier("Array"), undefined, [length]),
        "fill",
      ),
      undefined,
      [f.createNumericLiteral(0)],
    );
  }

  /** `Array.from({ length: rows }, () => new Array(columns).fill(0))` */
  private newMatrix(rows: ts.Expression, columns: ts.Expression) {
    const f = this.factory;
    return f.createCallExpression(
      f.createPropertyAccessExpression(f.createIdentifier("Array"), "from"),
      undefined,
      [
        f.createObjectLiteralExpression([
          f.createPropertyAssignment("length", rows),
        ]),
        f.createArrowFunction(
          undefined,
          undefined,
          [],
          undefined,
          undefined,
          this.newArray(columns, "array"),
        ),
      ],
    );
  }

  /** `m.map((row) => <of row>)` */
  private mapRows(
    matrix: ts.Expression,
    of: (row: ts.Expression) => ts.Expression,
  ): ts.Expression {
    const f = this.factory;
    const row = f.createIdentifier("row");
    return f.createCallExpression(
      f.createPropertyAccessExpression(matrix, "map"),
      undefined,
      [
        f.createArrowFunction(
          undefined,
          undefined,
          [f.createParameterDeclaration(undefined, undefined, row)],
          undefined,
          undefined,
          of(row),
        ),
      ],
    );
  }

  private zeros(like: ts.Expression, kind: ValueKind): ts.Expression {
    const f = this.factory;
    const length = (e: ts.Expression) =>
      f.createPropertyAccessExpression(e, "length");
    const filled = (e: ts.Expression) =>
      f.createCallExpression(
        f.createPropertyAccessExpression(
          f.createNewExpression(f.createIdentifier("Array"), undefined, [
            length(e),
          ]),
          "fill",
        ),
        undefined,
        [f.createNumericLiteral(0)],
      );
    switch (kind) {
      case "float64":
      case "float32":
        return f.createNewExpression(
          f.createIdentifier(
            kind === "float64" ? "Float64Array" : "Float32Array",
          ),
          undefined,
          [length(like)],
        );
      case "matrix":
        return this.mapRows(like, filled);
      default:
        return filled(like);
    }
  }

  /** `a`, `a[i]`, `m[i][j]`. */
  private elementOf(array: Expr, indices: readonly Expr[]): ts.Expression {
    return indices.reduce<ts.Expression>(
      (target, index) =>
        this.factory.createElementAccessExpression(
          target,
          this.expression(index),
        ),
      this.expression(array),
    );
  }

  private calleeExpression(
    ref: CalleeRef,
    variant: "primal" | "jvp" | "vjp",
  ): ts.Expression {
    const f = this.factory;
    if (ref.kind === "local") {
      return f.createIdentifier(
        variant === "primal" ? ref.name : derivativeName(ref.name, variant),
      );
    }
    const namespace = ref.path.reduce<ts.Expression>(
      (outer, name) => f.createPropertyAccessExpression(outer, name),
      this.namespaceFor(ref.specifier, moduleHint(ref.specifier)),
    );
    return f.createPropertyAccessExpression(
      namespace,
      variant === "primal"
        ? ref.exportName
        : derivativeName(ref.derivativeBase, variant),
    );
  }
}

/** The name a namespace import of `specifier` is given, before its suffix. */
export function moduleHint(specifier: string): string {
  const base = specifier
    .split("/")
    .at(-1)!
    .replace(/\.[cm]?[jt]s$/, "");
  // An identifier: `./1-lib.js` -> `_1_lib`.
  return (
    base.replace(/[^A-Za-z0-9_$]/g, "_").replace(/^(?=\d)/, "_") || "module"
  );
}

function binaryToken(
  ts: typeof import("typescript"),
  op: string,
): ts.BinaryOperator {
  const k = ts.SyntaxKind;
  const tokens: Record<string, ts.BinaryOperator> = {
    "+": k.PlusToken,
    "-": k.MinusToken,
    "*": k.AsteriskToken,
    "/": k.SlashToken,
    "**": k.AsteriskAsteriskToken,
    "%": k.PercentToken,
    "&": k.AmpersandToken,
    "|": k.BarToken,
    "^": k.CaretToken,
    "<<": k.LessThanLessThanToken,
    ">>": k.GreaterThanGreaterThanToken,
    ">>>": k.GreaterThanGreaterThanGreaterThanToken,
  };
  return tokens[op]!;
}

function compareToken(
  ts: typeof import("typescript"),
  op: string,
): ts.BinaryOperator {
  const k = ts.SyntaxKind;
  const tokens: Record<string, ts.BinaryOperator> = {
    "<": k.LessThanToken,
    "<=": k.LessThanEqualsToken,
    ">": k.GreaterThanToken,
    ">=": k.GreaterThanEqualsToken,
    "===": k.EqualsEqualsEqualsToken,
    "!==": k.ExclamationEqualsEqualsToken,
    "==": k.EqualsEqualsToken,
    "!=": k.ExclamationEqualsToken,
  };
  return tokens[op]!;
}

/**
 * A call's arguments as written: `g(x)` for `g(x, undefined)`, where `g`
 * has a default for the argument left out. A derivative's arguments are
 * positional (tangents follow), so they stay.
 */
function primalArgs(e: Extract<Expr, { kind: "call" }>): readonly Expr[] {
  if (e.variant !== "primal") return e.args;
  let end = e.args.length;
  while (end > 0 && e.args[end - 1]!.kind === "undefined") end--;
  return e.args.slice(0, end);
}

/**
 * `p` where `e` is `-p`: `-b` -> `b`, `-2 * g` -> `2 * g`; `undefined`
 * if `e` is not a negation.
 */
function negationOf(e: Expr): Expr | undefined {
  if (e.kind === "neg") return e.operand;
  if (
    e.kind === "binary" &&
    e.op === "*" &&
    e.left.kind === "num" &&
    e.left.value < 0
  )
    return { ...e, left: { kind: "num", value: -e.left.value } };
  return undefined;
}

/** Whether any expression may stand at `node`'s place as it is. */
function inAnyExpression(ts: typeof import("typescript"), node: ts.Node) {
  const parent = node.parent;
  return (
    ts.isTemplateSpan(parent) ||
    ts.isParenthesizedExpression(parent) ||
    ts.isArrayLiteralExpression(parent) ||
    ts.isSpreadElement(parent) ||
    (ts.isPropertyAssignment(parent) && parent.initializer === node) ||
    ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) &&
      parent.arguments?.includes(node as ts.Expression) === true)
  );
}
