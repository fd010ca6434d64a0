/**
 * How many values a gradient leaves on tsad's value stack at its peak. The
 * probe wraps `ValueStack.prototype.push` for one call, outside any timed
 * run, and restores it (the stack instance itself is never touched, so the
 * generated code sees the same object shape when it is timed).
 */
import { stack, ValueStack } from "tsad";

export function withStackPeak<T>(call: () => T): { result: T; peak: number } {
  const push = ValueStack.prototype.push;
  const base = stack.size;
  let peak = 0;
  ValueStack.prototype.push = function (this: ValueStack, x: number): void {
    push.call(this, x);
    peak = Math.max(peak, this.size - base);
  };
  try {
    return { result: call(), peak };
  } finally {
    ValueStack.prototype.push = push;
  }
}
