import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { grad, jvp } from "tsad";
import { uniformSamples } from "../harness/data.js";
import * as dual from "../harness/dual.js";
import {
  centralDifference,
  centralDifferences,
} from "../harness/finite-differences.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Suite } from "../harness/types.js";
import { lennardJones } from "../workloads/lennard-jones.js";

/**
 * The gradient (minus the forces) by hand: per pair, dE/d(r^2) times
 * 2 (p_i - p_j), added to particle i (kept in locals) and taken from j.
 */
export function lennardJonesGradientInto(
  p: Float64Array,
  g: Float64Array,
): Float64Array {
  g.fill(0);
  const n = p.length / 3;
  for (let i = 0; i < n; i++) {
    let gx = 0;
    let gy = 0;
    let gz = 0;
    for (let j = i + 1; j < n; j++) {
      const dx = p[3 * i] - p[3 * j];
      const dy = p[3 * i + 1] - p[3 * j + 1];
      const dz = p[3 * i + 2] - p[3 * j + 2];
      const inv2 = 1 / (dx * dx + dy * dy + dz * dz);
      const inv6 = inv2 * inv2 * inv2;
      // 2 dE/d(r^2), with E = 4 (inv6^2 - inv6) and inv6 = (r^2)^-3
      const c = -24 * inv6 * inv2 * (2 * inv6 - 1);
      gx += c * dx;
      gy += c * dy;
      gz += c * dz;
      g[3 * j] -= c * dx;
      g[3 * j + 1] -= c * dy;
      g[3 * j + 2] -= c * dz;
    }
    g[3 * i] += gx;
    g[3 * i + 1] += gy;
    g[3 * i + 2] += gz;
  }
  return g;
}

function lennardJonesDual(p: dual.Dual[]): dual.Dual {
  const n = p.length / 3;
  let energy = dual.constant(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = dual.sub(p[3 * i], p[3 * j]);
      const dy = dual.sub(p[3 * i + 1], p[3 * j + 1]);
      const dz = dual.sub(p[3 * i + 2], p[3 * j + 2]);
      const r2 = dual.add(
        dual.add(dual.mul(dx, dx), dual.mul(dy, dy)),
        dual.mul(dz, dz),
      );
      const inv2 = dual.div(dual.constant(1), r2);
      const inv6 = dual.mul(dual.mul(inv2, inv2), inv2);
      energy = dual.add(energy, dual.sub(dual.mul(inv6, inv6), inv6));
    }
  }
  return dual.scale(energy, 4);
}

/** N particles on a cubic lattice of spacing 1.2, each moved by up to 0.1. */
function latticePositions(n: number): Float64Array {
  const side = Math.ceil(Math.cbrt(n));
  const jitter = uniformSamples(3 * n, /*seed*/ 10, -0.1, 0.1);
  const p = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const cell = [
      i % side,
      Math.floor(i / side) % side,
      Math.floor(i / side / side),
    ];
    for (let c = 0; c < 3; c++)
      p[3 * i + c] = 1.2 * cell[c] + jitter[3 * i + c];
  }
  return p;
}

export const suite: Suite = {
  name: "lennard-jones",
  title: "Lennard-Jones energy",
  sizes: (quick) => (quick ? [100] : [100, 500]),
  prepare(n, { tf, jax }) {
    const p = latticePositions(n);
    const buffer = new Float64Array(3 * n);
    const tangent = new Float64Array(3 * n);

    // A tfjs user writes the pairwise distances as an N x N matrix; adding
    // the identity to r^2 makes each particle's pair with itself 0 energy.
    const pTensor = tf.tensor2d(Float32Array.from(p), [n, 3]);
    const eyeTensor = tf.eye(n);
    const tfGradient = tf.grad((p: Tensor) => {
      const difference = p.expandDims(1).sub(p.expandDims(0));
      const inv2 = tf.reciprocal(difference.square().sum(2).add(eyeTensor));
      const inv6 = inv2.pow(3);
      return inv6.square().sub(inv6).sum().mul(2);
    });

    const { numpy: np } = jax;
    const pArray = np.array(p, { dtype: np.float64 }).reshape([n, 3]);
    const eyeArray = np.eye(n, undefined, { dtype: np.float64 });
    const jaxGradient = jax.jit(
      jax.grad((p: JaxArray, eye: JaxArray) => {
        const difference = np.expandDims(p.ref, 1).sub(np.expandDims(p, 0));
        const inv2 = np.reciprocal(np.square(difference).sum(2).add(eye));
        const inv6 = inv2.ref.mul(inv2.ref).mul(inv2);
        return np.square(inv6.ref).sub(inv6).sum().mul(2);
      }),
    );

    return {
      size: `N = ${n}`,
      work: n * n,
      methods: [
        methods.primal(() => lennardJones(p)),
        tsadMethod("tsad grad", () => {
          const g = grad(lennardJones);
          return () => g(p);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(lennardJones, 0, { out: buffer });
            return () => g(p);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => lennardJonesGradientInto(p, new Float64Array(3 * n)),
          () => lennardJonesGradientInto(p, buffer),
        ),
        methods.perInput("tsad forward (jvp per input)", "tsad", 3 * n, (i) => {
          tangent[i] = 1;
          const [, derivative] = jvp(lennardJones, [p], [tangent]);
          tangent[i] = 0;
          return derivative;
        }),
        methods.tfjs(
          () => tfGradient(pTensor),
          "N x N pairwise tensors, float32",
        ),
        methods.jax(
          () => [jaxGradient(pArray.ref, eyeArray.ref)],
          "N x N pairwise arrays",
        ),
        methods.perInput(
          "dual numbers",
          "dual",
          3 * n,
          (i) => lennardJonesDual(dual.seed(p, i)).tangent,
        ),
        {
          ...methods.perInput("finite differences", "fd", 3 * n, (i) =>
            centralDifference(() => lennardJones(p), p, i),
          ),
          run: () => centralDifferences(() => lennardJones(p), p),
        },
      ],
      dispose: () => {
        pTensor.dispose();
        eyeTensor.dispose();
        pArray.dispose();
        eyeArray.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
