/**
 * Normalize: a `switch`, its clauses already lowered, becomes an
 * `if`/`else if` chain on `===`.
 *
 * Clauses that fall through into each other (a clause falls through when
 * control can reach its end) form one segment, entered by any of their
 * labels; segments exclude each other, so they chain with `else`, in
 * source order. Inside a segment each clause runs if the segment was
 * entered at it or before it:
 *
 *   switch (k) {                   if (k === 0 || k === 1) {
 *     case 0: s *= x;                if (k === 0) { s *= x; }
 *     case 1: s += x; break;   ->    s += x;
 *     default: s -= x;             } else {
 *   }                                s -= x;
 *                                  }
 *
 * `default` is entered when no label matches, so its segment comes last,
 * as the final `else`. Labels are tested in source order, so a value that
 * matches two of them enters at the first, as in JavaScript; where labels
 * may repeat a value (they are not all distinct literals) and the segment
 * with `default` has labels of its own, it keeps its place and is entered
 * when one of them matches or no later one does. Inside a segment,
 * "entered at or before" a clause after `default` is "not at a later
 * label" (or, where labels may repeat, "at one of these labels, or not at
 * a later one"). In a segment with many labels these tests would grow
 * with the square of its length, so a variable keeps the answer instead:
 * `entered = entered || k === 5`. A `break` of the switch anywhere else
 * is an `exit` that `jumps` structures within the segment. With no
 * fall-through this is the plain chain, one branch per body, `case 1:
 * case 2:` joined with `||`.
 */
import type { Expr, SurfaceStmt } from "../ir";
import { completes, structureJumps, type JumpScope } from "./jumps";

export interface SwitchClause {
  /** `subject === label`; `undefined` for `default`. */
  readonly match: Expr | undefined;
  readonly body: readonly SurfaceStmt[];
}

export interface SwitchContext {
  /** Where the `switch` ends: its own `exit`s end there. */
  readonly scope: JumpScope;
  /**
   * Every label is a literal (by type) and no two are equal, so at most
   * one matches.
   */
  readonly distinctLabels: boolean;
  readonly freshName: (base: string) => string;
}

/** The most labels a segment tests directly, without an `entered` variable. */
const DIRECT_LABELS = 4;

export function switchChain(
  clauses: readonly SwitchClause[],
  context: SwitchContext,
): SurfaceStmt[] {
  const segments: SwitchClause[][] = [[]];
  for (const clause of clauses) {
    segments.at(-1)!.push(clause);
    if (!completes(clause.body)) segments.push([]);
  }
  const nonEmpty = segments.filter((segment) => segment.length > 0);
  const withDefault = nonEmpty.find((segment) => segment.some(isDefault));
  const moveLast =
    withDefault !== undefined &&
    (context.distinctLabels || anyOf(withDefault) === undefined);
  const ordered = moveLast
    ? [...nonEmpty.filter((segment) => segment !== withDefault), withDefault]
    : nonEmpty;
  const lowered = ordered.map((segment, k) => ({
    test:
      moveLast && segment === withDefault
        ? undefined
        : enteredAtOrBefore(segment, ordered.slice(k + 1).flat(), false),
    body: structureJumps(segmentBody(segment, context), context.scope),
  }));
  // Only the last test can be `undefined` (always): `default`'s, with no
  // label after it.
  return lowered.reduceRight<SurfaceStmt[]>(
    (rest, s) =>
      s.test === undefined
        ? s.body
        : [{ kind: "if", test: s.test, then: s.body, else: rest }],
    [],
  );
}

/** Each clause guarded by "entered at it or before"; the last one unguarded. */
function segmentBody(
  segment: readonly SwitchClause[],
  context: SwitchContext,
): SurfaceStmt[] {
  const last = segment.length - 1;
  if (segment.filter((c) => !isDefault(c)).length <= DIRECT_LABELS) {
    return segment.flatMap((clause, j): SurfaceStmt[] => {
      if (clause.body.length === 0) return [];
      if (j === last) return [...clause.body];
      const test = enteredAtOrBefore(
        segment.slice(0, j + 1),
        segment.slice(j + 1),
        context.distinctLabels,
      );
      return [{ kind: "if", test: test!, then: clause.body, else: [] }];
    });
  }
  // Entered at `default` when no label of the segment matches (those of
  // other segments did not, or control would not be here).
  const viaDefault = not(anyOf(segment)!);
  const entered = context.freshName("entered");
  const read: Expr = { kind: "var", name: entered };
  return segment.flatMap((clause, j): SurfaceStmt[] => {
    if (j === last) return [...clause.body];
    const here = clause.match ?? viaDefault;
    const update: SurfaceStmt =
      j === 0
        ? { kind: "let", name: entered, value: here, constant: false }
        : {
            kind: "assign",
            name: entered,
            value: { kind: "logical", op: "||", left: read, right: here },
          };
    if (clause.body.length === 0) return [update];
    return [update, { kind: "if", test: read, then: clause.body, else: [] }];
  });
}

/**
 * Whether control enters at one of `upTo`, not at one of `later` (nor
 * before `upTo`, which the caller rules out): one of their labels
 * matches, or, when `default` is among them, no later label does (which
 * says it all when at most one label matches). `undefined` when that
 * always holds.
 */
function enteredAtOrBefore(
  upTo: readonly SwitchClause[],
  later: readonly SwitchClause[],
  distinctLabels: boolean,
): Expr | undefined {
  const matches = anyOf(upTo);
  if (!upTo.some(isDefault)) return matches;
  const laterMatches = anyOf(later);
  const noLater = laterMatches && not(laterMatches);
  if (distinctLabels || !matches || !noLater) return noLater;
  return { kind: "logical", op: "||", left: matches, right: noLater };
}

/** `!e`, with `!(a === b)` written `a !== b`. */
function not(e: Expr): Expr {
  return e.kind === "compare" && e.op === "==="
    ? { ...e, op: "!==" }
    : { kind: "not", operand: e };
}

function isDefault(clause: SwitchClause): boolean {
  return clause.match === undefined;
}

/** `m1 || m2 || ...` over the labels of `clauses`; `undefined` for none. */
function anyOf(clauses: readonly SwitchClause[]): Expr | undefined {
  const matches = clauses.flatMap((c) => (c.match ? [c.match] : []));
  if (matches.length === 0) return undefined;
  return matches.reduce((left, right) => ({
    kind: "logical",
    op: "||",
    left,
    right,
  }));
}
