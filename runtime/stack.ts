/**
 * The value stack of generated reverse-mode code: the forward sweep pushes
 * values that a loop overwrites, the reverse sweep pops them in reverse
 * order (Tapenade's PUSH/POP). One growable Float64Array, no per-value
 * objects; booleans go in as 0/1, integers as numbers (exact to 2^53).
 * Values that are not numbers (a string, `undefined`) go on a second stack
 * of their own, `pushOther`/`popOther`: each pop reads the stack its push
 * wrote, so the two orders never mix.
 *
 *   for (...) { tsad.stack.push(x); x = x * w; }      // forward sweep
 *   for (...) { x = tsad.stack.pop(); ... }           // reverse sweep
 */
import { TsadError } from "./errors.js";

export class ValueStack {
  #values: Float64Array;
  #size = 0;
  readonly #others: unknown[] = [];

  /** `initialCapacity`: values held before the first growth. */
  constructor(initialCapacity = 1024) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
      throw new TsadError(
        `ValueStack: initialCapacity must be a positive integer, got ${initialCapacity}`,
      );
    }
    this.#values = new Float64Array(initialCapacity);
  }

  push(x: number): void {
    if (this.#size === this.#values.length) this.#grow();
    this.#values[this.#size++] = x;
  }

  pop(): number {
    if (this.#size === 0) {
      throw new TsadError(
        "tsad.stack.pop: the value stack is empty; generated code popped more values " +
          "than it pushed, which is a bug in tsad: please report it",
      );
    }
    return this.#values[--this.#size]!;
  }

  pushOther(x: unknown): void {
    this.#others.push(x);
  }

  popOther(): unknown {
    if (this.#others.length === 0) {
      throw new TsadError(
        "tsad.stack.popOther: the stack of values that are not numbers is empty; " +
          "generated code popped more values than it pushed, which is a bug in tsad: please report it",
      );
    }
    return this.#others.pop();
  }

  /** How many values are on the stack, numbers and others. */
  get size(): number {
    return this.#size + this.#others.length;
  }

  /** How many numbers are on the stack (`size` counts the others too). */
  get numbers(): number {
    return this.#size;
  }

  /** How many values that are not numbers are on the stack. */
  get others(): number {
    return this.#others.length;
  }

  /**
   * Takes the stack back to where it was, `numbers` numbers and `others`
   * other values on it, after a sweep that ended early (a `throw`).
   *
   * @internal
   */
  unwind(numbers: number, others: number): void {
    this.#size = numbers;
    this.#others.length = others;
  }

  /** How many values fit before the next growth; it never shrinks. */
  get capacity(): number {
    return this.#values.length;
  }

  #grow(): void {
    const grown = new Float64Array(this.#values.length * 2);
    grown.set(this.#values);
    this.#values = grown;
  }
}

/** The stack generated code uses: `tsad.stack.push(v)`, `tsad.stack.pop()`. */
export const stack = new ValueStack();
