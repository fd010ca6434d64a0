/**
 * Forward mode: the tangent (JVP) function of a normalized function.
 *
 * Each active variable `v` gets a tangent `dv`, computed right after `v`
 * from the rule table; calls to marked functions call their tangent
 * function; the result is `[value, tangent]`:
 *
 *   function f(x, y) {               function f__jvp(x, y, dx, dy) {
 *     const sin_y = Math.sin(y);  ->    const sin_y = Math.sin(y);
 *     const r = x * sin_y;              const dsin_y = Math.cos(y) * dy;
 *     return r;                         const r = x * sin_y;
 *   }                                   const dr = sin_y * dx + x * dsin_y;
 *                                       return [r, dr];
 *                                     }
 */
import { isActiveAtom, type Activity } from "./activity";
import {
  arrayKinds,
  binary,
  mapBlocks,
  num,
  ref,
  type Expr,
  type FunctionIR,
  type Param,
  type Stmt,
} from "./ir";
import { derivativeName, gradientName, type Names } from "./naming";
import type { GradientRequest } from "./requests";
import { partialsOf } from "./rules";

/**
 * With `request`, a gradient with respect to one number parameter
 * (`grad(f, 1)`, `activity` restricted to it): one tangent sweep with that
 * parameter's tangent 1 gives the whole gradient, with no reverse sweep
 * and nothing stored, so it is what `grad` calls (the calling convention
 * of reverse.ts's gradient-only adjoints; the cotangent scales it):
 *
 *   function chain__grad_0(x, k, x_1_adj) {
 *     let x_1 = x;
 *     let dx_1 = 1;
 *     for (...) { ...; dx_1 = dx_1 + (Math.cos(x_1) * dx_1) / k; ... }
 *     return dx_1 * x_1_adj;
 *   }
 */
export function forwardMode(
  fn: FunctionIR,
  activity: Activity,
  names: Names,
  request?: GradientRequest,
): FunctionIR {
  const tangents = new Map<string, string>();
  const tangentName = (name: string) => {
    let tangent = tangents.get(name);
    if (tangent === undefined)
      tangents.set(name, (tangent = names.tangent(name)));
    return tangent;
  };
  const tangentOf = (e: Expr): Expr =>
    isActiveAtom(activity, e) ? ref(tangentName(e.name)) : num(0);

  const kinds = arrayKinds(fn);
  /** The tangent of an array: its tangent array, or zeros if inactive. */
  const arrayTangent = (array: Expr): Expr =>
    isActiveAtom(activity, array)
      ? fn.params.some((p) => p.name === array.name)
        ? {
            kind: "copy",
            array: ref(tangentName(array.name)),
            matrix: kinds.get(array.name) === "matrix",
          }
        : ref(tangentName(array.name))
      : {
          kind: "zeros",
          like: array,
          arrayKind:
            array.kind === "var" ? (kinds.get(array.name) ?? "array") : "array",
        };

  const tangentParams: Param[] = fn.params.map((p) => ({
    name: tangentName(p.name),
    kind: p.kind,
  }));

  const statement = (s: Stmt): Stmt[] => {
    switch (s.kind) {
      case "const": {
        if (!activity.active.has(s.name)) return [s];
        const value = s.value;
        if (value.kind === "call") {
          const tangentArgs = value.args.map((a, i): Expr => {
            const kind = value.callee.params[i];
            if (kind === "number") return tangentOf(a);
            if (kind === "none") return { kind: "undefined" };
            return isActiveAtom(activity, a)
              ? ref(tangentName(a.name))
              : { kind: "zeros", like: a, arrayKind: kind! };
          });
          return [
            {
              kind: "destructure",
              names: [s.name, tangentName(s.name)],
              value: {
                ...value,
                variant: "jvp",
                args: [...value.args, ...tangentArgs],
              },
            },
          ];
        }
        if (value.kind === "newArray") {
          return [s, { kind: "const", name: tangentName(s.name), value }];
        }
        if (value.kind === "arrayLiteral") {
          const elements = value.elements.map(tangentOf);
          return [
            s,
            {
              kind: "const",
              name: tangentName(s.name),
              value: { ...value, elements },
            },
          ];
        }
        if (value.kind === "copy") {
          // A copy of the tangent too: either array may be written later.
          const array = value.array;
          return [
            s,
            {
              kind: "const",
              name: tangentName(s.name),
              value: isActiveAtom(activity, array)
                ? { kind: "copy", array: ref(tangentName(array.name)) }
                : arrayTangent(array),
            },
          ];
        }
        if (value.kind === "index") {
          const array = value.array;
          const element: Expr = isActiveAtom(activity, array)
            ? { ...value, array: ref(tangentName(array.name)) }
            : num(0);
          return [
            s,
            { kind: "const", name: tangentName(s.name), value: element },
          ];
        }
        return [
          s,
          {
            kind: "const",
            name: tangentName(s.name),
            value: tangent(value, ref(s.name)),
          },
        ];
      }
      case "declare":
        return activity.active.has(s.name)
          ? [
              s,
              {
                kind: "declare",
                name: tangentName(s.name),
                init: s.init && tangentOf(s.init),
              },
            ]
          : [s];
      case "assign":
        return activity.active.has(s.name)
          ? [
              s,
              {
                kind: "assign",
                name: tangentName(s.name),
                // `result_2 = result_1`, joining the arrays returned.
                value:
                  s.value.kind === "var" && kinds.has(s.value.name)
                    ? arrayTangent(s.value)
                    : tangent(s.value, ref(s.name)),
              },
            ]
          : [s];
      case "if":
        return [mapBlocks(s, (block) => block.flatMap(statement))];
      case "loop": {
        // The tangents of what an iteration passes on are passed on too.
        const loop = mapBlocks(s, (block) => block.flatMap(statement));
        const tangents = s.carried
          .filter((name) => activity.active.has(name))
          .map(tangentName);
        return [{ ...loop, carried: [...s.carried, ...tangents] }];
      }
      case "store":
      case "append":
        return isActiveAtom(activity, s.array)
          ? [
              s,
              {
                ...s,
                array: ref(tangentName(s.array.name)),
                // A row pushed onto a matrix has an array for a tangent.
                value:
                  s.kind === "append" && kinds.get(s.array.name) === "matrix"
                    ? arrayTangent(s.value)
                    : tangentOf(s.value),
              },
            ]
          : [s];
      case "return":
        return [
          {
            kind: "return",
            value: {
              kind: "tuple",
              elements: [
                s.value,
                fn.result && fn.result !== "number"
                  ? arrayTangent(s.value)
                  : tangentOf(s.value),
              ],
            },
          },
        ];
      default:
        return [s];
    }
  };

  /** The sum of partial * operand tangent over the active operands. */
  const tangent = (value: Expr, result: Expr): Expr =>
    partialsOf(value, result)
      .filter(({ operand }) => isActiveAtom(activity, operand))
      .map(({ operand, times }) => times(tangentOf(operand)))
      .reduce((sum, term) => binary("+", sum, term), num(0) as Expr);

  const body = fn.body.flatMap(statement);
  if (request) {
    const [argnum] = request.argnums;
    const tangentIn = tangentParams[argnum!]!.name;
    const returned = body.at(-1);
    if (returned?.kind !== "return" || returned.value.kind !== "tuple") {
      throw new Error("normalized body must end in return");
    }
    const [value, tangentOut] = returned.value.elements;
    const source = fn.body.at(-1);
    const seed = names.adjoint(
      source?.kind === "return" && source.value.kind === "var"
        ? source.value.name
        : "result",
    );
    const gradient = binary("*", tangentOut!, ref(seed));
    return {
      name: gradientName(fn.name, request.argnums, request.withValue),
      params: [...fn.params, { name: seed, kind: "number" }],
      body: [
        { kind: "const", name: tangentIn, value: num(1) },
        ...body.slice(0, -1),
        {
          kind: "return",
          value: request.withValue
            ? { kind: "tuple", elements: [value!, gradient] }
            : gradient,
        },
      ],
      resultShape: request.withValue ? ["number", "number"] : "number",
    };
  }
  return {
    name: derivativeName(fn.name, "jvp"),
    params: [...fn.params, ...tangentParams],
    body,
    resultShape: [fn.result ?? "number", fn.result ?? "number"],
  };
}
