import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import * as path from "node:path";
import type * as math from "mathjs";
import { grad, jvp } from "tsad";
import * as dual from "../harness/dual.js";
import { centralDifference } from "../harness/finite-differences.js";
import { formatMs } from "../harness/format.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Method, Suite } from "../harness/types.js";
import { DeadlineWorker } from "../harness/worker.js";
import { callPrice, normalCdf } from "../workloads/black-scholes.js";
import { CDF_COEFFICIENTS, deriveCallPrice } from "./expressions.js";
import type { MathjsTask } from "./mathjs-worker.js";

const INV_SQRT_2PI = 0.3989422804014327;
const OPTION = { S: 100, K: 105, T: 0.75, r: 0.03, sigma: 0.25 };

/** d normalCdf / dx of the same polynomial, by hand. */
function normalCdfDerivative(x: number): number {
  const k = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly =
    k *
    (0.31938153 +
      k *
        (-0.356563782 +
          k * (1.781477937 + k * (-1.821255978 + k * 1.330274429))));
  const dPolyDk =
    0.31938153 +
    k *
      (2 * -0.356563782 +
        k * (3 * 1.781477937 + k * (4 * -1.821255978 + k * 5 * 1.330274429)));
  const dkDx = -0.2316419 * Math.sign(x) * k * k;
  const density = INV_SQRT_2PI * Math.exp((-x * x) / 2);
  const dUpper = density * (dPolyDk * dkDx - x * poly);
  return x < 0 ? dUpper : -dUpper;
}

/**
 * The Greeks by hand from the chain rule through d1 and d2:
 * [dV/dS, dV/dsigma, dV/dr, dV/dT].
 */
export function callPriceGradient(
  S: number,
  K: number,
  T: number,
  r: number,
  sigma: number,
): [number, number, number, number] {
  const sqrtT = Math.sqrt(T);
  const d1 =
    (Math.log(S / K) + (r + (sigma * sigma) / 2) * T) / (sigma * sqrtT);
  const d2 = d1 - sigma * sqrtT;
  const discountedK = K * Math.exp(-r * T);
  const n1 = S * normalCdfDerivative(d1);
  const n2 = discountedK * normalCdfDerivative(d2);
  const dd1dT =
    -Math.log(S / K) / (2 * sigma * T * sqrtT) +
    (r / sigma + sigma / 2) / (2 * sqrtT);
  return [
    normalCdf(d1) + (n1 - n2) / (S * sigma * sqrtT),
    n1 * (sqrtT - d1 / sigma) + (n2 * d1) / sigma,
    ((n1 - n2) * sqrtT) / sigma + T * discountedK * normalCdf(d2),
    n1 * dd1dT -
      n2 * (dd1dT - sigma / (2 * sqrtT)) +
      r * discountedK * normalCdf(d2),
  ];
}

function normalCdfDual(x: dual.Dual): dual.Dual {
  const k = dual.div(
    dual.constant(1),
    dual.shift(dual.scale(dual.abs(x), 0.2316419), 1),
  );
  let poly = dual.constant(0);
  for (const c of CDF_COEFFICIENTS) poly = dual.mul(k, dual.shift(poly, c));
  const upper = dual.mul(
    dual.scale(dual.exp(dual.scale(dual.mul(x, x), -0.5)), INV_SQRT_2PI),
    poly,
  );
  return x.value < 0 ? upper : dual.shift(dual.neg(upper), 1);
}

function callPriceDual(
  S: dual.Dual,
  K: dual.Dual,
  T: dual.Dual,
  r: dual.Dual,
  sigma: dual.Dual,
): dual.Dual {
  const sqrtT = dual.sqrt(T);
  const sigmaSqrtT = dual.mul(sigma, sqrtT);
  const d1 = dual.div(
    dual.add(
      dual.log(dual.div(S, K)),
      dual.mul(dual.add(r, dual.scale(dual.mul(sigma, sigma), 0.5)), T),
    ),
    sigmaSqrtT,
  );
  const d2 = dual.sub(d1, sigmaSqrtT);
  const discount = dual.exp(dual.neg(dual.mul(r, T)));
  return dual.sub(
    dual.mul(S, normalCdfDual(d1)),
    dual.mul(dual.mul(K, discount), normalCdfDual(d2)),
  );
}

/**
 * mathjs `derivative` for each Greek: deriving (and compiling) per call,
 * and evaluating derivatives derived before timing. Simplification can
 * take far longer than the limit; a worker tries it first, and the methods
 * are skipped if it does not finish in time.
 */
async function symbolicMethods(
  simplify: boolean,
  limitMs: number,
): Promise<Method[]> {
  const label = simplify ? "simplified" : "not simplified";
  const names = [
    `mathjs derivative + compile (${label})`,
    `mathjs evaluate (${label})`,
  ];
  const task: MathjsTask = { task: "black-scholes", simplify };
  const trial = new DeadlineWorker<{ deriveMs: number }>(
    path.join(__dirname, "mathjs-worker.js"),
    task,
  );
  const finished = await trial.next(limitMs + 5000);
  await trial.terminate();
  if (finished === "timeout" || finished === "done") {
    const skip = `the four derivatives did not finish in ${formatMs(limitMs)}`;
    return names.map((name) => ({
      name,
      family: "symbolic",
      run: () => undefined,
      skip,
    }));
  }
  const evaluate = (compiled: math.EvalFunction[]) =>
    compiled.map((c) => c.evaluate(OPTION) as number);
  const compiled = deriveCallPrice(simplify);
  return [
    {
      name: names[0]!,
      family: "symbolic",
      run: () => evaluate(deriveCallPrice(simplify)),
      note: "derives the four expressions, compiles and evaluates them",
    },
    {
      name: names[1]!,
      family: "symbolic",
      run: () => evaluate(compiled),
    },
  ];
}

export const suite: Suite = {
  name: "black-scholes",
  title: "Black-Scholes call",
  sizes: () => [1],
  scalar: true,
  async prepare(_, { tf, jax }, { limitMs }) {
    const { S, K, T, r, sigma } = OPTION;
    const args = [S, K, T, r, sigma] as const;
    /** Parameter index of each Greek in callPrice(S, K, T, r, sigma). */
    const argnums = [0, 4, 3, 2] as const;

    // tfjs has no gradient for the comparison in tf.where(x < 0, ...), so
    // the branch is written with tf.sign, whose gradient is zero.
    const cdfTf = (x: Tensor) => {
      const k = tf.div(1, tf.add(1, tf.mul(0.2316419, tf.abs(x))));
      let poly: Tensor = tf.scalar(0);
      for (const c of CDF_COEFFICIENTS) poly = k.mul(poly.add(c));
      const upper = tf.exp(tf.square(x).mul(-0.5)).mul(INV_SQRT_2PI).mul(poly);
      return tf.add(0.5, tf.sign(x).mul(tf.sub(0.5, upper)));
    };
    const KTensor = tf.scalar(K);
    const tensors = [S, sigma, r, T].map((v) => tf.scalar(v));
    const tfGradient = tf.grads(
      (S: Tensor, sigma: Tensor, r: Tensor, T: Tensor) => {
        const sqrtT = tf.sqrt(T);
        const d1 = tf
          .log(S.div(KTensor))
          .add(r.add(sigma.square().div(2)).mul(T))
          .div(sigma.mul(sqrtT));
        const d2 = d1.sub(sigma.mul(sqrtT));
        return S.mul(cdfTf(d1)).sub(
          tf.exp(r.neg().mul(T)).mul(KTensor).mul(cdfTf(d2)),
        );
      },
    );

    const { numpy: np } = jax;
    const cdfJax = (x: JaxArray): JaxArray => {
      const k = np.reciprocal(np.abs(x.ref).mul(0.2316419).add(1));
      let poly = np.zerosLike(k.ref);
      for (const c of CDF_COEFFICIENTS) poly = k.ref.mul(poly.add(c));
      k.dispose();
      const upper = np
        .exp(np.square(x.ref).mul(-0.5))
        .mul(INV_SQRT_2PI)
        .mul(poly);
      return np.where(np.less(x, 0), upper.ref, np.subtract(1, upper));
    };
    const scalars = [S, sigma, r, T, K].map((v) =>
      np.array(v, { dtype: np.float64 }),
    );
    const jaxGradient = jax.jit(
      jax.grad(
        (
          S: JaxArray,
          sigma: JaxArray,
          r: JaxArray,
          T: JaxArray,
          K: JaxArray,
        ) => {
          const sqrtT = np.sqrt(T.ref);
          const sigmaSqrtT = sigma.ref.mul(sqrtT);
          const d1 = np
            .log(S.ref.div(K.ref))
            .add(r.ref.add(np.square(sigma).div(2)).mul(T.ref))
            .div(sigmaSqrtT.ref);
          const d2 = d1.ref.sub(sigmaSqrtT);
          return S.mul(cdfJax(d1)).sub(
            np.exp(r.mul(-1).mul(T)).mul(K).mul(cdfJax(d2)),
          );
        },
        { argnums: [0, 1, 2, 3] },
      ),
    );

    /** Derivative along one parameter of callPrice by a forward method. */
    const forwardPass = (pass: (seeded: number) => number) => (greek: number) =>
      pass(argnums[greek]);

    return {
      size: "one option",
      work: 1,
      methods: [
        methods.primal(() => callPrice(...args)),
        tsadMethod("tsad grad", () => {
          const g = grad(callPrice, [...argnums]);
          return () => g(...args);
        }),
        methods.perInput(
          "tsad forward (jvp per input)",
          "tsad",
          4,
          forwardPass((seeded) => {
            const tangents = args.map((_, i) => (i === seeded ? 1 : 0)) as [
              number,
              number,
              number,
              number,
              number,
            ];
            return jvp(callPrice, [...args], tangents)[1];
          }),
        ),
        ...methods.handWritten(() => callPriceGradient(...args)),
        methods.tfjs(() => tfGradient(tensors)),
        methods.jax(() =>
          jaxGradient(
            ...(scalars.map((a) => a.ref) as [
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
            ]),
          ),
        ),
        methods.perInput(
          "dual numbers",
          "dual",
          4,
          forwardPass((seeded) => {
            const duals = args.map(
              (v, i) => new dual.Dual(v, i === seeded ? 1 : 0),
            );
            return callPriceDual(
              duals[0]!,
              duals[1]!,
              duals[2]!,
              duals[3]!,
              duals[4]!,
            ).tangent;
          }),
        ),
        methods.perInput(
          "finite differences",
          "fd",
          4,
          forwardPass((seeded) => {
            const x = [...args];
            return centralDifference(
              () => callPrice(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!),
              x,
              seeded,
            );
          }),
        ),
        ...(await symbolicMethods(/*simplify*/ false, limitMs)),
        ...(await symbolicMethods(/*simplify*/ true, limitMs)),
      ],
      dispose: () => {
        for (const t of [KTensor, ...tensors]) t.dispose();
        for (const a of scalars) a.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
