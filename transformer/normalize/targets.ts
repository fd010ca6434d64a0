/**
 * Normalize: where `break` and `continue` go. `lower` enters a target for
 * each loop, `switch` and labelled block it lowers; a jump becomes a jump
 * of the innermost loop (`break`, `continue`) or an `exit` of the
 * innermost `switch` or block, which `jumps` then structures. A jump that
 * must first leave loops nested in its target sets a flag and breaks out
 * of the innermost; after each of those loops the flag breaks on, and
 * next to the target it is the plain jump:
 *
 *   outer: for (...) {          for (...) {
 *     for (...) {                 let continueOuter = false;
 *       if (c) continue outer;    for (...) {
 *       s += x;             ->      if (c) { continueOuter = true; break; }
 *     }                             s += x;
 *     t += s;                     }
 *   }                             if (continueOuter) continue;
 *                                 t += s;
 *                               }
 *
 * The flags of a loop start each iteration false (so the loop does not
 * carry them: once one is set, the iteration ends); those of a `switch`
 * or block start false just before it.
 */
import type { SurfaceStmt } from "../ir";
import type { Names } from "../naming";
import type { JumpScope } from "./jumps";

type JumpKind = "break" | "continue";

/** A statement `break` or `continue` may name. */
export interface JumpTarget {
  readonly kind: "loop" | "switch" | "block";
  readonly labels: readonly string[];
  /** What an `exit` from this `switch` or block names (never printed). */
  readonly id: string;
  /** The flag a jump from inside a nested loop sets, per kind. */
  readonly flags: Map<JumpKind, string>;
  /** For a loop: the flags of jumps that leave it for an outer target. */
  readonly leaving: Map<
    string,
    { readonly target: JumpTarget; readonly kind: JumpKind }
  >;
}

export class JumpTargets {
  /** Innermost last. */
  private readonly stack: JumpTarget[] = [];
  private entered = 0;

  constructor(private readonly names: Names) {}

  enter(kind: JumpTarget["kind"], labels: readonly string[]): JumpTarget {
    const target: JumpTarget = {
      kind,
      labels,
      id: `${kind}${this.entered++}`,
      flags: new Map(),
      leaving: new Map(),
    };
    this.stack.push(target);
    return target;
  }

  /**
   * Done lowering `target` (the innermost): what goes `before` it (the
   * flag of a `switch` or block) and `after` it (jumps that left a loop
   * going on).
   */
  leave(target: JumpTarget): { before: SurfaceStmt[]; after: SurfaceStmt[] } {
    if (this.stack.pop() !== target) throw new Error("targets out of order");
    const before =
      target.kind === "loop" ? [] : [...target.flags.values()].map(cleared);
    const after = [...target.leaving].map(
      ([flag, { target: outer, kind }]): SurfaceStmt => {
        const at = this.stack.indexOf(outer);
        const loopBetween = this.stack
          .slice(at + 1)
          .some((t) => t.kind === "loop");
        return {
          kind: "if",
          test: { kind: "var", name: flag },
          then: [loopBetween ? { kind: "break" } : plainJump(outer, kind)],
          else: [],
        };
      },
    );
    return { before, after };
  }

  /** What goes first in the body of the innermost loop: its flags. */
  iterationStart(): SurfaceStmt[] {
    return [...this.stack.at(-1)!.flags.values()].map(cleared);
  }

  /** `break` or `continue`, with its label if it has one. */
  jump(kind: JumpKind, label: string | undefined): SurfaceStmt[] {
    const named = (t: JumpTarget) =>
      label !== undefined
        ? t.labels.includes(label)
        : t.kind === "loop" || (kind === "break" && t.kind === "switch");
    let at = this.stack.length - 1;
    while (at >= 0 && !named(this.stack[at]!)) at--;
    const target = this.stack[at];
    if (!target) throw new Error(`\`${kind}\` outside its target`);
    const loopsInside = this.stack
      .slice(at + 1)
      .filter((t) => t.kind === "loop");
    if (loopsInside.length === 0) return [plainJump(target, kind)];
    // Only a labelled jump can name a target outside a loop.
    let flag = target.flags.get(kind);
    if (flag === undefined) {
      flag = this.names.fresh(
        kind + label![0]!.toUpperCase() + label!.slice(1),
      );
      target.flags.set(kind, flag);
    }
    for (const loop of loopsInside) loop.leaving.set(flag, { target, kind });
    return [
      { kind: "assign", name: flag, value: { kind: "bool", value: true } },
      { kind: "break" },
    ];
  }

  /** Where a `switch` or labelled block ends: its own `exit`s end there. */
  exitScope(target: JumpTarget): JumpScope {
    return {
      end: (jump) =>
        jump.kind === "exit" && jump.target === target.id ? [] : undefined,
      flagName: () => this.names.fresh("jumped"),
    };
  }

  /**
   * Where a loop body ends: `continue`, and `break`, which sets the loop's
   * `done` flag.
   */
  loopScope(done: string | undefined): JumpScope {
    return {
      end: (jump) => {
        if (jump.kind === "continue") return [];
        if (jump.kind !== "break") return undefined;
        if (done === undefined)
          throw new Error("`break` in a loop without a flag");
        return [
          { kind: "assign", name: done, value: { kind: "bool", value: true } },
        ];
      },
      flagName: () => this.names.fresh("jumped"),
    };
  }
}

/** A jump to `target` from directly inside it (no loop between). */
function plainJump(target: JumpTarget, kind: JumpKind): SurfaceStmt {
  return target.kind === "loop"
    ? { kind }
    : { kind: "exit", target: target.id };
}

/** `let flag = false`. */
function cleared(flag: string): SurfaceStmt {
  return {
    kind: "let",
    name: flag,
    value: { kind: "bool", value: false },
    constant: false,
  };
}
