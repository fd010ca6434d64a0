/** Builders for the methods that every suite has in the same form. */
import type { Tensor } from "@tensorflow/tfjs";
import type { Method } from "./types.js";

export function primal(run: () => number): Method {
  return { name: "primal", family: "primal", run };
}

/** The hand-written gradient, returning a new array and writing into a buffer. */
export function handWritten(
  fresh: () => unknown,
  buffer?: () => unknown,
): Method[] {
  const methods: Method[] = [
    { name: "hand-written", family: "hand", allocation: "fresh", run: fresh },
  ];
  if (buffer !== undefined) {
    methods.push({
      name: "hand-written { out }",
      family: "hand",
      allocation: "buffer",
      run: buffer,
    });
  }
  return methods;
}

/**
 * A gradient made of one pass per input (forward mode, dual numbers,
 * finite differences): `pass(i)` returns the derivative along input i.
 */
export function perInput(
  name: string,
  family: Method["family"],
  count: number,
  pass: (input: number) => number,
  note?: string,
): Method {
  return {
    name,
    family,
    run: () => {
      const gradient = new Float64Array(count);
      for (let i = 0; i < count; i++) gradient[i] = pass(i);
      return gradient;
    },
    passes: { count, one: () => pass(0) },
    ...(note !== undefined && { note }),
  };
}

/**
 * A tfjs gradient as a user reads it out: the gradient tensors' data,
 * copied to JavaScript, and the tensors disposed.
 */
export function tfjs(run: () => Tensor | Tensor[], note?: string): Method {
  return {
    name: "tfjs tf.grad",
    family: "tfjs",
    run: () => {
      const result = run();
      const tensors = Array.isArray(result) ? result : [result];
      const data = tensors.map((t) => t.dataSync());
      for (const t of tensors) t.dispose();
      return data;
    },
    ...(note !== undefined && { note }),
  };
}

/** A jax-js `jit(grad(f))`, read out as data (which releases the arrays). */
export function jax(
  run: () => { dataSync(): ArrayLike<number> }[],
  note?: string,
): Method {
  return {
    name: "jax-js jit(grad)",
    family: "jax",
    run: () => run().map((a) => a.dataSync()),
    ...(note !== undefined && { note }),
  };
}
