/**
 * Select, continued: the gradients the program asks for.
 *
 * A call of the runtime's `grad(f, argnums)` or `valueAndGrad(f, argnums)`
 * anywhere in the program, where `f` names a marked function and `argnums`
 * is known at compile time (a literal, or a constant of a literal type),
 * asks for a gradient-only adjoint of `f` with respect to exactly those
 * parameters. The transformer writes it beside `f` when it compiles `f`'s
 * module, and registers it; the runtime calls it instead of `f__vjp`:
 *
 *   // main.ts                           // lib.ts (f marked), emitted:
 *   const g = grad(f, 1);          ->    function f__grad_1(x, y, result_adj)
 *
 * A call it cannot resolve (argnums computed at run time, `f` passed
 * around, a module compiled on its own) gets the same gradient from
 * `f__vjp`, only slower.
 */
import type * as ts from "typescript";
import { importedFrom, resolveMarkedCallee } from "./select";

export interface GradientRequest {
  /** The parameters, in the caller's order; one means the gradient itself. */
  readonly argnums: readonly number[];
  /** `valueAndGrad`: the value too. */
  readonly withValue: boolean;
}

export class GradientRequests {
  private found?: Map<ts.Node, GradientRequest[]>;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly program: ts.Program,
    private readonly runtimeModule: string,
  ) {}

  /** What the program asks of the marked function declared by `fn`. */
  of(fn: ts.Node): readonly GradientRequest[] {
    this.found ??= this.scan();
    return this.found.get(fn) ?? [];
  }

  /** One pass over the files that import the runtime, on first use. */
  private scan(): Map<ts.Node, GradientRequest[]> {
    const { ts, runtimeModule } = this;
    const checker = this.program.getTypeChecker();
    const found = new Map<ts.Node, GradientRequest[]>();
    const quoted = [`"${runtimeModule}"`, `'${runtimeModule}'`];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const request = requestOf(ts, checker, node, runtimeModule);
        if (request) {
          const list = found.get(request.fn) ?? [];
          const key = requestKey(request);
          if (!list.some((r) => requestKey(r) === key)) list.push(request);
          found.set(request.fn, list);
        }
      }
      ts.forEachChild(node, visit);
    };
    for (const file of this.program.getSourceFiles()) {
      if (file.isDeclarationFile) continue;
      if (!quoted.some((q) => file.text.includes(q))) continue;
      visit(file);
    }
    for (const list of found.values()) {
      list.sort((a, b) => requestKey(a).localeCompare(requestKey(b)));
    }
    return found;
  }
}

const requestKey = (r: GradientRequest) =>
  `${r.withValue ? "valueAndGrad" : "grad"} ${r.argnums.join(",")}`;

function requestOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  call: ts.CallExpression,
  runtimeModule: string,
): (GradientRequest & { fn: ts.Node }) | undefined {
  const api = importedFrom(ts, checker, call.expression);
  if (
    api?.specifier !== runtimeModule ||
    (api.name !== "grad" && api.name !== "valueAndGrad")
  ) {
    return undefined;
  }
  const [f, argnums] = call.arguments;
  if (!f) return undefined;
  const callee = resolveMarkedCallee(ts, checker, f);
  const indices = argnums ? literalArgnums(ts, checker, argnums) : [0];
  if (!callee || !indices) return undefined;
  return {
    fn: callee.declaration,
    argnums: indices,
    withValue: api.name === "valueAndGrad",
  };
}

/** `1`, `[0, 2]`, or a constant of such a type (`[...argnums]` of a tuple). */
function literalArgnums(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  e: ts.Expression,
): number[] | undefined {
  const literal = (t: ts.Type) => (t.isNumberLiteral() ? t.value : undefined);
  const type = checker.getTypeAtLocation(e);
  const single = literal(type);
  if (single !== undefined) return [single];
  if (ts.isArrayLiteralExpression(e)) {
    const elements = e.elements.map((element) =>
      ts.isNumericLiteral(element) ? Number(element.text) : undefined,
    );
    if (elements.every((v) => v !== undefined)) return elements;
  }
  if (!checker.isTupleType(type)) return undefined;
  const elements = checker
    .getTypeArguments(type as ts.TypeReference)
    .map(literal);
  return elements.every((v) => v !== undefined) ? elements : undefined;
}
