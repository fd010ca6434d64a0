import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { derivative, grad } from "tsad";
import * as dual from "../harness/dual.js";
import { centralDifference } from "../harness/finite-differences.js";
import type { Libraries } from "../harness/libraries.js";
import { powerOfTen } from "../harness/format.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Case, Method, Suite } from "../harness/types.js";
import { eulerChain } from "../workloads/euler-chain.js";

const X0 = 0.7;

/**
 * By hand, dx_k/dx_0 is accumulated forward in the primal's own loop: each
 * step multiplies it by 1 + cos(x)/k. For one input that is the best a
 * person would write (no stored values, no second sweep).
 */
export function eulerChainDerivative(x: number, k: number): number {
  let dx = 1;
  for (let i = 0; i < k; i++) {
    dx *= 1 + Math.cos(x) / k;
    x += Math.sin(x) / k;
  }
  return dx;
}

function eulerChainDual(x: dual.Dual, k: number): dual.Dual {
  for (let i = 0; i < k; i++) x = dual.add(x, dual.scale(dual.sin(x), 1 / k));
  return x;
}

const sizeOf = (k: number) => `k = ${powerOfTen(k)}`;

/** The methods every size has: the primal, tsad's two modes, by hand. */
function coreMethods(k: number): Method[] {
  return [
    methods.primal(() => eulerChain(X0, k)),
    tsadMethod("tsad grad", () => {
      const g = grad(eulerChain);
      return () => g(X0, k);
    }),
    tsadMethod("tsad derivative (forward)", () => {
      const d = derivative(eulerChain);
      return () => d(X0, k);
    }),
    ...methods.handWritten(() => eulerChainDerivative(X0, k)),
  ];
}

function fullCase(k: number, { tf, jax }: Libraries): Case {
  const xTensor = tf.scalar(X0);
  const tfDerivative = tf.grad((x: Tensor) => {
    for (let i = 0; i < k; i++) x = x.add(x.sin().div(k));
    return x;
  });
  const { numpy: np } = jax;
  const xArray = np.array(X0, { dtype: np.float64 });
  const jaxDerivative = jax.jit(
    jax.grad((x: JaxArray) => {
      for (let i = 0; i < k; i++) x = x.ref.add(np.sin(x).div(k));
      return x;
    }),
  );
  return {
    size: sizeOf(k),
    work: k,
    methods: [
      ...coreMethods(k),
      methods.tfjs(() => tfDerivative(xTensor)),
      methods.jax(() => [jaxDerivative(xArray.ref)]),
      {
        name: "dual numbers",
        family: "dual",
        run: () => eulerChainDual(new dual.Dual(X0, 1), k).tangent,
      },
      {
        name: "finite differences",
        family: "fd",
        run: () => {
          const x = [X0];
          return centralDifference(() => eulerChain(x[0]!, k), x, 0);
        },
      },
      {
        name: "mathjs derivative",
        family: "symbolic",
        run: () => undefined,
        skip: "the expression holds x 2^k times: see the symbolic table below",
      },
    ],
    dispose: () => {
      xTensor.dispose();
      xArray.dispose();
      jaxDerivative.dispose();
    },
  };
}

export const suite: Suite = {
  name: "euler-chain",
  title: "Chain of k Euler steps",
  sizes: (quick) => (quick ? [1e3, 1e4] : [1e3, 1e4, 1e5, 1e6]),
  scalar: true,
  prepare: fullCase,
};

/** The same chain at k = 1000 * 2^j: is the time linear in k? */
export const scalingSuite: Suite = {
  name: "chain-scaling",
  title: "Chain of k Euler steps, k doubling",
  sizes: (quick) =>
    Array.from({ length: quick ? 6 : 11 }, (_, j) => 1000 * 2 ** j),
  prepare: (k) => ({
    size: `k = ${k}`,
    work: k,
    methods: coreMethods(k),
  }),
};
