/**
 * Reverse mode: the adjoint (VJP) function of a normalized function.
 *
 * A forward sweep (the normalized body: every primal value the reverse
 * sweep needs stays in its own variable, thanks to SSA) is followed by a
 * reverse sweep: the adjoint statements of the body in reverse order, `if`s
 * re-tested with the same (unchanged) test value. The result is
 * `[value, ...adjoint of each parameter]`:
 *
 *   function f(x, y) {               function f__vjp(x, y, r_adj) {
 *     const sin_y = Math.sin(y);  ->    const sin_y = Math.sin(y);
 *     const r = x * sin_y;              const r = x * sin_y;
 *     return r;                         let x_adj = sin_y * r_adj;
 *   }                                   let sin_y_adj = x * r_adj;
 *                                       let y_adj = Math.cos(y) * sin_y_adj;
 *                                       return [r, x_adj, y_adj];
 *                                     }
 *
 * A value computed inside a branch of the forward sweep that the reverse
 * sweep reads is declared before the branch, so the reverse branch sees it.
 *
 * An adjoint is declared by its first contribution (`let v_adj = ...`) and
 * accumulated after (`v_adj += ...`); one that first receives a
 * contribution inside a branch is declared as 0 before that branch.
 */
import { isActiveAtom, type Activity } from "./activity";
import {
  allReads,
  definedNames,
  binary,
  forEachExpr,
  num,
  ref,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "./ir";
import { derivativeName, type Names } from "./naming";
import { partialsOf } from "./rules";

export function reverseMode(
  fn: FunctionIR,
  activity: Activity,
  names: Names,
): FunctionIR {
  const returned = fn.body.at(-1);
  if (returned?.kind !== "return")
    throw new Error("normalized body must end in return");
  const forwardSweep = fn.body.slice(0, -1);

  const adjoints = new Map<string, string>();
  const adjointName = (name: string) => {
    let adjoint = adjoints.get(name);
    if (adjoint === undefined)
      adjoints.set(name, (adjoint = names.adjoint(name)));
    return adjoint;
  };
  const declared = new Set<string>();
  const seed = adjointName(
    returned.value.kind === "var" ? returned.value.name : "result",
  );
  if (isActiveAtom(activity, returned.value)) declared.add(returned.value.name);

  const accumulate = (out: Stmt[], operand: Expr, value: Expr) => {
    if (!isActiveAtom(activity, operand)) return;
    const name = operand.name;
    if (declared.has(name)) {
      out.push({ kind: "accumulate", name: adjointName(name), value });
    } else {
      declared.add(name);
      out.push({ kind: "declare", name: adjointName(name), init: value });
    }
  };

  const reverseBlock = (body: readonly Stmt[]): Stmt[] => {
    const out: Stmt[] = [];
    for (const s of [...body].reverse()) {
      switch (s.kind) {
        case "const":
        case "assign": {
          if (!activity.active.has(s.name) || !declared.has(s.name)) break;
          const adjoint = ref(adjointName(s.name));
          const value = s.value;
          if (value.kind === "call") {
            const received = value.args.map((a, i) =>
              value.callee.params[i] === "number" && isActiveAtom(activity, a)
                ? names.fresh(`${adjointName(a.name)}_${calleeBase(value)}`)
                : undefined,
            );
            out.push({
              kind: "destructure",
              names: [undefined, ...received],
              value: {
                ...value,
                variant: "vjp",
                args: [...value.args, adjoint],
              },
            });
            received.forEach((name, i) => {
              if (name) accumulate(out, value.args[i]!, ref(name));
            });
            break;
          }
          for (const { operand, partial } of partialsOf(value, ref(s.name))) {
            accumulate(out, operand, binary("*", partial, adjoint));
          }
          break;
        }
        case "if": {
          const inside = definedNames([...s.then, ...s.else]);
          for (const name of activeReads([...s.then, ...s.else], activity)) {
            if (inside.has(name) || declared.has(name)) continue;
            declared.add(name);
            out.push({
              kind: "declare",
              name: adjointName(name),
              init: num(0),
            });
          }
          out.push({
            ...s,
            then: reverseBlock(s.then),
            else: reverseBlock(s.else),
          });
          break;
        }
        default:
          break;
      }
    }
    return out;
  };

  const reverseSweep = reverseBlock(forwardSweep);
  const neededByReverse = new Set<string>();
  forEachExpr(reverseSweep, (e) =>
    allReads(e, (name) => neededByReverse.add(name)),
  );
  const paramAdjoints: Expr[] = fn.params.map((p) =>
    p.kind === "none"
      ? { kind: "undefined" }
      : declared.has(p.name)
        ? ref(adjointName(p.name))
        : num(0),
  );
  return {
    name: derivativeName(fn.name, "vjp"),
    params: [...fn.params, { name: seed, kind: "number" }],
    body: [
      ...hoistBranchValues(forwardSweep, neededByReverse),
      ...reverseSweep,
      {
        kind: "return",
        value: { kind: "tuple", elements: [returned.value, ...paramAdjoints] },
      },
    ],
    resultKinds: ["number", ...fn.params.map((p) => p.kind)],
  };
}

function calleeBase(call: Extract<Expr, { kind: "call" }>): string {
  const ref = call.callee.ref;
  return ref.kind === "local" ? ref.name : ref.derivativeBase;
}

/** Active variables read by these statements' values. */
function activeReads(
  body: readonly Stmt[],
  activity: Activity,
  into = new Set<string>(),
): Set<string> {
  for (const s of body) {
    if (s.kind === "const" || s.kind === "assign") {
      allReads(s.value, (name) => activity.active.has(name) && into.add(name));
    }
    if (s.kind === "if") activeReads([...s.then, ...s.else], activity, into);
  }
  return into;
}

/**
 * `if (c) { const t = ...; }` -> `let t; if (c) { t = ...; }` for each `t`
 * in `needed`: the reverse sweep's branches are other blocks.
 */
function hoistBranchValues(
  body: readonly Stmt[],
  needed: ReadonlySet<string>,
): Stmt[] {
  const hoisted: string[] = [];
  const rewrite = (block: readonly Stmt[]): Stmt[] =>
    block.map((s): Stmt => {
      if (s.kind === "const" && needed.has(s.name)) {
        hoisted.push(s.name);
        return { kind: "assign", name: s.name, value: s.value };
      }
      if (s.kind === "if")
        return { ...s, then: rewrite(s.then), else: rewrite(s.else) };
      return s;
    });
  return body.flatMap((s): Stmt[] => {
    if (s.kind !== "if") return [s];
    hoisted.length = 0;
    const rewritten = rewrite([s]);
    return [
      ...hoisted.map((name): Stmt => ({ kind: "declare", name })),
      ...rewritten,
    ];
  });
}
