/**
 * Diagnostic codes and messages. Every problem the passes find is thrown as
 * a `DiffError` at the offending node and turned into a TypeScript
 * diagnostic in one place (`index.ts`), so the passes never report
 * anything themselves.
 *
 * Codes live in the reserved range 96000-96999 and never change meaning.
 */
import type * as ts from "typescript";

export const DiagnosticCode = {
  /** A call to a function that is neither marked nor a `Math` function. */
  UnmarkedCall: 96001,
  /** `Math.random()` and friends: a different value in each sweep. */
  NondeterministicCall: 96002,
  /** A statement or expression form the passes do not handle yet. */
  UnsupportedSyntax: 96003,
  /** An operator with no derivative rule (bitwise, `++` in an expression). */
  UnsupportedOperator: 96004,
  /** A `Math` member with no derivative rule. */
  UnsupportedMath: 96005,
  /** A marked function calls itself. */
  Recursion: 96006,
  /** A write to a variable declared outside the marked function. */
  CapturedWrite: 96007,
  /** `@differentiable` on something that is not a function tsad can take. */
  MisplacedTag: 96008,
  /** A user name that generated code needs (`f__jvp`). */
  ReservedName: 96009,
  /** A value typed `any` or `unknown` where a number is needed. */
  UntypedValue: 96010,
  /** `try`, `catch`, `finally`, `throw`. */
  Exceptions: 96011,
  /** An `async` function, `await`, `for await`. */
  AsyncCode: 96012,
  /** A generator function or `yield`. */
  Generator: 96013,
  /** The `arguments` object. */
  ArgumentsObject: 96014,
  /** A direct call to `eval`: code tsad cannot see. */
  Eval: 96015,
  /** A `with` statement. */
  WithStatement: 96016,
  /** A read of an outer `let` or `var` that some code reassigns. */
  ReassignableVariable: 96017,
  /** An unmarked call that may change what the marked function reads. */
  HiddenWrite: 96018,
  /** `grad(f)` and the like of a function of the program that is not marked. */
  NotMarked: 96019,
  /**
   * An incremental build (`incremental`, `composite`, `--watch`), which
   * re-emits only the files that changed.
   */
  IncrementalBuild: 96020,
  /** The transformer failed unexpectedly: a bug in tsad. */
  InternalError: 96999,
} as const;

export type DiagnosticCode =
  (typeof DiagnosticCode)[keyof typeof DiagnosticCode];

/** A place that explains an error: where a variable is assigned, a call on the way. */
export interface RelatedNode {
  readonly node: ts.Node;
  readonly message: string;
}

/** Thrown by any pass; reported by `index.ts` with the function's context. */
export class DiffError extends Error {
  constructor(
    readonly node: ts.Node,
    readonly code: DiagnosticCode,
    message: string,
    readonly related: readonly RelatedNode[] = [],
  ) {
    super(message);
  }
}
