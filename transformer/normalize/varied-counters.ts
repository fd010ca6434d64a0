/**
 * Normalize, step 6: a counted loop whose counter starts from a value that
 * depends on the parameters runs as a general loop, its counter one more
 * carried variable.
 *
 *   for (let u = x; u < 5; u++)        let u_c = x;
 *     s += u * u;               ->     while (u_c < 5) {
 *                                        const u = u_c;  const u_next = u_c + 1;
 *                                        s += u * u;  u_c = u_next;
 *                                      }
 *
 * A counted loop's counter is an index, with no derivative: the reverse
 * sweep computes it again from the bounds. This one carries `x`'s (`du/dx
 * = 1` in every iteration), which a carried variable does.
 */
import { differentiableReads, variedNames } from "../activity";
import {
  mapBlocks,
  mapSubexpressions,
  nestedBlocks,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "../ir";
import type { Names } from "../naming";

export function countVariedCounters(fn: FunctionIR, names: Names): FunctionIR {
  // Most loops start from a literal: no activity to work out for them.
  if (!someLoop(fn.body, (start) => start.kind !== "num")) return fn;
  // A converted counter may make the start of an inner loop vary.
  for (;;) {
    const varied = variedNames(fn, undefined, differentiableReads);
    let changed = false;
    const block = (body: readonly Stmt[]): readonly Stmt[] =>
      body.flatMap((s): Stmt[] => {
        if (
          s.kind !== "loop" ||
          s.header.kind !== "counted" ||
          !reads(s.header.start, varied)
        )
          return [mapBlocks(s, block)];
        changed = true;
        return asGeneralLoop(s, names);
      });
    const body = block(fn.body);
    if (!changed) return fn;
    fn = { ...fn, body };
  }
}

/** Whether a counted loop in `body` has a start that passes `test`. */
function someLoop(body: readonly Stmt[], test: (start: Expr) => boolean) {
  return body.some(
    (s): boolean =>
      (s.kind === "loop" &&
        s.header.kind === "counted" &&
        test(s.header.start)) ||
      nestedBlocks(s).some((block) => someLoop(block, test)),
  );
}

function reads(e: Expr, names: ReadonlySet<string>): boolean {
  let found = false;
  differentiableReads(e, (name) => (found ||= names.has(name)));
  return found;
}

function asGeneralLoop(
  loop: Extract<Stmt, { kind: "loop" }>,
  names: Names,
): Stmt[] {
  const { counter, start, end, step, inclusive } = loop.header as Extract<
    typeof loop.header,
    { kind: "counted" }
  >;
  const computed: Stmt[] = [];
  const first = oneOperationEach(start, names, computed);
  const carried = names.fresh(`${counter}_c`);
  const next = names.fresh(`${counter}_next`);
  const test = names.fresh("test");
  const current: Expr = { kind: "var", name: carried };
  const op = step > 0 ? (inclusive ? "<=" : "<") : inclusive ? ">=" : ">";
  return [
    ...computed,
    { kind: "declare", name: carried, init: first },
    {
      ...loop,
      header: {
        kind: "while",
        test: [
          {
            kind: "const",
            name: test,
            value: { kind: "compare", op, left: current, right: end },
          },
        ],
        condition: { kind: "var", name: test },
      },
      carried: [...loop.carried, carried],
      body: [
        { kind: "const", name: counter, value: current },
        {
          kind: "const",
          name: next,
          value: {
            kind: "binary",
            op: "+",
            left: current,
            right: { kind: "num", value: step },
          },
        },
        ...loop.body,
        { kind: "assign", name: carried, value: { kind: "var", name: next } },
      ],
    },
  ];
}

/**
 * `e` computed by `const`s of one operation each, as normalized code
 * computes values (a counted loop's start is left as written, `2 * x -
 * 1`); the atom that holds it.
 */
function oneOperationEach(e: Expr, names: Names, out: Stmt[]): Expr {
  if (ATOMS.has(e.kind)) return e;
  const value = mapSubexpressions(e, (inner) =>
    oneOperationEach(inner, names, out),
  );
  const name = names.fresh("t");
  out.push({ kind: "const", name, value });
  return { kind: "var", name };
}

const ATOMS = new Set<Expr["kind"]>([
  "num",
  "bool",
  "mathConst",
  "verbatim",
  "undefined",
  "var",
]);
