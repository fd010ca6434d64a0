// Type-level contract of the runtime API. The calls sit in functions that
// never run: only their types matter, checked by `tsc --noEmit` (test/ is in
// tsconfig.json) and by vitest's expectTypeOf.
import { describe, expectTypeOf, it } from "vitest";
import {
  checkGrad,
  derivative,
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  stack,
  valueAndGrad,
  ValueStack,
  vjp,
  type CheckGradResult,
  type DifferentiableIndex,
  type GradientBuffer,
  type GradientOf,
  type Tangent,
  type TangentsOf,
} from "../runtime/index.js";

declare function f(x: number, y: number): number;
declare function weighted(x: number, label: string, y: number): number;
declare function format(x: number): string;
declare function norm(w: Float64Array): number;
declare function loss(w: number[][], b: readonly number[], lr: number): number;
declare function norm32(w: Float32Array): number;
declare function softmax(x: number[]): number[];
declare function curve(t: number): number[];
declare function matVec(A: number[][], x: readonly number[]): number[];
declare function scaled(label: string, w: Float64Array): Float64Array;
declare function frozen(M: readonly (readonly number[])[], x: number): number;
declare function scaledCube(
  x: number[],
  scale?: number,
  label?: string,
): number;

function signatures() {
  return {
    grad: grad(f),
    gradOf1: grad(f, 1),
    gradOfBoth: grad(f, [0, 1]),
    gradSkippingLabel: grad(weighted, [2, 0]),
    gradOfVector: grad(norm),
    gradOfMatrixAndVector: grad(loss, [0, 1]),
    valueAndGrad: valueAndGrad(f),
    valueAndGradOfBoth: valueAndGrad(f, [0, 1]),
    derivative: derivative(f),
    jvp: jvp(f, [1, 2], [1, undefined]),
    jvpWithLabel: jvp(weighted, [1, "a", 2], [1, undefined, 0]),
    vjp: vjp(f, 1, 2),
    vjpWithLabel: vjp(weighted, 1, "a", 2),
    checkGrad: checkGrad(weighted, [1, "a", 2], { argnums: [0, 2] }),
    gradOfFloat32: grad(norm32),
    gradOfReadonlyVector: grad(loss, 1),
    gradOfNumberAndMatrix: grad(loss, [2, 0]),
    derivativeOfCurve: derivative(curve),
    jvpOfSoftmax: jvp(softmax, [[1, 2]], [[1, 0]]),
    vjpOfSoftmax: vjp(softmax, [1, 2]),
    vjpOfMatVec: vjp(matVec, [[1]], [1]),
    jacobian: jacobian(softmax),
    jacobianOf1: jacobian(matVec, 1),
    jacobianOfScalar: jacobian(f, 1),
    jacobianOfLabeled: jacobian(scaled, 1),
    checkGradOfArrays: checkGrad(loss, [[[1]], [1], 0.1], { argnums: [0, 1] }),
    hessian: hessian(norm),
    hessianOfScalar: hessian(f, 1),
    hessianOfMatrix: hessian(loss),
    hessianOfLabeled: hessian(weighted, 2),
    hvp: hvp(norm),
    hvpOf1: hvp(loss, 1),
    hvpOfScalar: hvp(weighted, 2),
    hessianOfPair: hessian(loss, [1, 2]),
    hessianOfNumbers: hessian(f, [0, 1]),
    hvpOfPair: hvp(loss, [2, 0]),
    hvpOfOptional: hvp(scaledCube),
    gradOfReadonlyMatrix: grad(frozen),
    gradOfFrozenBoth: grad(frozen, [0, 1]),
  };
}
type Signatures = ReturnType<typeof signatures>;

describe("Tangent", () => {
  it("maps each differentiable type to its tangent type", () => {
    expectTypeOf<Tangent<number>>().toEqualTypeOf<number>();
    expectTypeOf<Tangent<3>>().toEqualTypeOf<number>();
    expectTypeOf<Tangent<number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<Tangent<readonly number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<Tangent<Float64Array>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<Tangent<Float32Array>>().toEqualTypeOf<Float32Array>();
    expectTypeOf<Tangent<number[][]>>().toEqualTypeOf<number[][]>();
    expectTypeOf<Tangent<readonly number[][]>>().toEqualTypeOf<number[][]>();
    expectTypeOf<Tangent<readonly (readonly number[])[]>>().toEqualTypeOf<
      number[][]
    >();
  });

  it("maps everything else to undefined", () => {
    expectTypeOf<Tangent<string>>().toEqualTypeOf<undefined>();
    expectTypeOf<Tangent<boolean>>().toEqualTypeOf<undefined>();
    expectTypeOf<Tangent<string[]>>().toEqualTypeOf<undefined>();
    expectTypeOf<Tangent<{ w: number }>>().toEqualTypeOf<undefined>();
    expectTypeOf<Tangent<number | string>>().toEqualTypeOf<undefined>();
  });

  it("maps parameter lists element by element", () => {
    expectTypeOf<TangentsOf<[number, string, Float32Array]>>().toEqualTypeOf<
      [number, undefined, Float32Array]
    >();
  });
});

describe("argnums", () => {
  it("are the indices of differentiable parameters", () => {
    expectTypeOf<
      DifferentiableIndex<[number, string, number[]]>
    >().toEqualTypeOf<0 | 2>();
    expectTypeOf<DifferentiableIndex<number[]>>().toEqualTypeOf<number>();
  });

  it("select gradients in order", () => {
    expectTypeOf<
      GradientOf<[number, string, Float64Array], readonly [2, 0]>
    >().toEqualTypeOf<[Float64Array, number]>();
    expectTypeOf<GradientOf<[number, number[]], 1>>().toEqualTypeOf<number[]>();
  });
});

describe("grad", () => {
  it("keeps f's parameters and returns the tangent of parameter argnums", () => {
    expectTypeOf<Signatures["grad"]>().toEqualTypeOf<
      (x: number, y: number) => number
    >();
    expectTypeOf<Signatures["gradOf1"]>().toEqualTypeOf<
      (x: number, y: number) => number
    >();
    expectTypeOf<Signatures["gradOfVector"]>().toEqualTypeOf<
      (w: Float64Array) => Float64Array
    >();
  });

  it("takes read-only matrices, whose gradients are number[][]", () => {
    expectTypeOf<Signatures["gradOfReadonlyMatrix"]>().toEqualTypeOf<
      (M: readonly (readonly number[])[], x: number) => number[][]
    >();
    expectTypeOf<Signatures["gradOfFrozenBoth"]>().returns.toEqualTypeOf<
      [number[][], number]
    >();
  });

  it("returns a tuple for an array argnums", () => {
    expectTypeOf<Signatures["gradOfBoth"]>().toEqualTypeOf<
      (x: number, y: number) => [number, number]
    >();
    expectTypeOf<Signatures["gradSkippingLabel"]>().toEqualTypeOf<
      (x: number, label: string, y: number) => [number, number]
    >();
    expectTypeOf<Signatures["gradOfMatrixAndVector"]>().returns.toEqualTypeOf<
      [number[][], number[]]
    >();
  });

  it("rejects what cannot be differentiated", () => {
    function rejected() {
      // @ts-expect-error the result must be a number
      grad(format);
      // @ts-expect-error f has two parameters
      grad(f, 2);
      // @ts-expect-error parameter 1 is a string
      grad(weighted, 1);
      // @ts-expect-error parameter 1 is a string
      grad(weighted, [0, 1]);
      // @ts-expect-error a number gradient has no buffer
      grad(f, 0, { out: 0 });
      // @ts-expect-error the gradient is called with f's parameters
      grad(f)(1, "2");
    }
    expectTypeOf(rejected).toBeFunction();
  });

  it("returns array gradients of the parameter's type", () => {
    expectTypeOf<Signatures["gradOfFloat32"]>().toEqualTypeOf<
      (w: Float32Array) => Float32Array
    >();
    expectTypeOf<Signatures["gradOfReadonlyVector"]>().returns.toEqualTypeOf<
      number[]
    >();
    expectTypeOf<Signatures["gradOfNumberAndMatrix"]>().returns.toEqualTypeOf<
      [number, number[][]]
    >();
  });

  it("takes a tuple of buffers, undefined for number parameters", () => {
    expectTypeOf<
      GradientBuffer<[number[][], readonly number[], number], readonly [2, 0]>
    >().toEqualTypeOf<[undefined, number[][]]>();
    expectTypeOf<
      GradientBuffer<[Float64Array], 0>
    >().toEqualTypeOf<Float64Array>();
    expectTypeOf<GradientBuffer<[number], 0>>().toEqualTypeOf<never>();
    function tupleOut(matrix: number[][], vector: number[]) {
      return valueAndGrad(loss, [2, 0, 1], {
        out: [undefined, matrix, vector],
      });
    }
    expectTypeOf(tupleOut).returns.returns.toEqualTypeOf<
      [number, [number, number[][], number[]]]
    >();
    function wrongTuples(matrix: number[][]) {
      // @ts-expect-error a number gradient has no buffer
      grad(loss, [2, 0], { out: [0, matrix] });
      // @ts-expect-error one buffer per argnum
      grad(loss, [2, 0], { out: [undefined] });
      // @ts-expect-error parameter 1 needs a number[] buffer
      grad(loss, [0, 1], { out: [matrix, matrix] });
    }
    expectTypeOf(wrongTuples).toBeFunction();
  });

  it("types the out buffer like the parameter", () => {
    function outBuffers(buffer: Float64Array) {
      return grad(norm, 0, { out: buffer });
    }
    expectTypeOf(outBuffers).returns.toEqualTypeOf<
      (w: Float64Array) => Float64Array
    >();
    function wrongBuffer(buffer: Float32Array) {
      // @ts-expect-error a Float64Array parameter needs a Float64Array buffer
      return grad(norm, 0, { out: buffer });
    }
    expectTypeOf(wrongBuffer).toBeFunction();
  });
});

describe("valueAndGrad", () => {
  it("returns [value, gradient]", () => {
    expectTypeOf<Signatures["valueAndGrad"]>().toEqualTypeOf<
      (x: number, y: number) => [number, number]
    >();
    expectTypeOf<Signatures["valueAndGradOfBoth"]>().toEqualTypeOf<
      (x: number, y: number) => [number, [number, number]]
    >();
  });
});

describe("derivative", () => {
  it("keeps f's parameters and returns a number", () => {
    expectTypeOf<Signatures["derivative"]>().toEqualTypeOf<
      (x: number, y: number) => number
    >();
  });

  it("returns the tangent of a vector result", () => {
    expectTypeOf<Signatures["derivativeOfCurve"]>().toEqualTypeOf<
      (t: number) => number[]
    >();
  });

  it("needs a number first parameter and a differentiable result", () => {
    function rejected() {
      // @ts-expect-error parameter 0 must be a number
      derivative((label: string, x: number) => label.length * x);
      // @ts-expect-error parameter 0 must be a number
      derivative(softmax);
      // @ts-expect-error the result must be differentiable
      derivative(format);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("jvp", () => {
  it("returns [value, tangent]", () => {
    expectTypeOf<Signatures["jvp"]>().toEqualTypeOf<[number, number]>();
    expectTypeOf<Signatures["jvpWithLabel"]>().toEqualTypeOf<
      [number, number]
    >();
  });

  it("takes and returns array tangents", () => {
    expectTypeOf<Signatures["jvpOfSoftmax"]>().toEqualTypeOf<
      [number[], number[]]
    >();
    function rejected() {
      // @ts-expect-error the tangent of a number[] is a number[]
      jvp(softmax, [[1, 2]], [new Float64Array(2)]);
      // @ts-expect-error the tangent of a Float64Array is a Float64Array
      jvp(scaled, ["a", new Float64Array(2)], [undefined, [1, 0]]);
    }
    expectTypeOf(rejected).toBeFunction();
  });

  it("aligns primals and tangents with the parameters", () => {
    function rejected() {
      // @ts-expect-error one primal for two parameters
      jvp(f, [1], [1, 0]);
      // @ts-expect-error a string primal for a number parameter
      jvp(f, [1, "2"], [1, 0]);
      // @ts-expect-error a label has no tangent
      jvp(weighted, [1, "a", 2], [1, 1, 0]);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("vjp", () => {
  it("returns [value, pullback] with one cotangent per parameter", () => {
    expectTypeOf<Signatures["vjp"]>().toEqualTypeOf<
      [number, (cotangent: number) => [x: number, y: number]]
    >();
    expectTypeOf<Signatures["vjpWithLabel"]>().toEqualTypeOf<
      [number, (cotangent: number) => [x: number, label: undefined, y: number]]
    >();
  });

  it("takes a cotangent of the result's type", () => {
    expectTypeOf<Signatures["vjpOfSoftmax"]>().toEqualTypeOf<
      [number[], (cotangent: number[]) => [x: number[]]]
    >();
    expectTypeOf<Signatures["vjpOfMatVec"]>().toEqualTypeOf<
      [number[], (cotangent: number[]) => [A: number[][], x: number[]]]
    >();
  });

  it("needs primals of f's parameter types", () => {
    function rejected() {
      // @ts-expect-error a string primal for a number parameter
      vjp(f, 1, "2");
      // @ts-expect-error the result must be differentiable
      vjp(format, 1);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("jacobian", () => {
  it("keeps f's parameters and returns number[][]", () => {
    expectTypeOf<Signatures["jacobian"]>().toEqualTypeOf<
      (x: number[]) => number[][]
    >();
    expectTypeOf<Signatures["jacobianOf1"]>().toEqualTypeOf<
      (A: number[][], x: readonly number[]) => number[][]
    >();
    expectTypeOf<Signatures["jacobianOfScalar"]>().toEqualTypeOf<
      (x: number, y: number) => number[][]
    >();
    expectTypeOf<Signatures["jacobianOfLabeled"]>().toEqualTypeOf<
      (label: string, w: Float64Array) => number[][]
    >();
  });

  it("rejects what cannot be differentiated", () => {
    function rejected() {
      // @ts-expect-error the result must be differentiable
      jacobian(format);
      // @ts-expect-error parameter 0 is a string
      jacobian(scaled);
      // @ts-expect-error parameter 0 is a string
      jacobian(scaled, 0);
      // @ts-expect-error one parameter index, not a list
      jacobian(matVec, [0, 1]);
      // @ts-expect-error the Jacobian is called with f's parameters
      jacobian(softmax)(new Float64Array(2));
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("ValueStack", () => {
  it("pushes and pops numbers", () => {
    expectTypeOf(stack).toEqualTypeOf<ValueStack>();
    expectTypeOf(stack.push).toEqualTypeOf<(x: number) => void>();
    expectTypeOf(stack.pop).toEqualTypeOf<() => number>();
    expectTypeOf(stack.size).toEqualTypeOf<number>();
    function rejected() {
      // @ts-expect-error booleans are pushed as 0 / 1
      stack.push(true);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("checkGrad", () => {
  it("returns a CheckGradResult", () => {
    expectTypeOf<Signatures["checkGrad"]>().toEqualTypeOf<CheckGradResult>();
    expectTypeOf<
      Signatures["checkGradOfArrays"]
    >().toEqualTypeOf<CheckGradResult>();
    expectTypeOf<CheckGradResult>().toEqualTypeOf<{
      readonly ok: boolean;
      readonly maxAbsError: number;
      readonly maxRelError: number;
    }>();
  });

  it("only checks differentiable parameters", () => {
    function rejected() {
      // @ts-expect-error parameter 1 is a string
      checkGrad(weighted, [1, "a", 2], { argnums: 1 });
      // @ts-expect-error the result must be a number
      checkGrad(format, [1]);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});

describe("hessian and hvp", () => {
  it("hessian keeps f's parameters and returns a number or number[][]", () => {
    expectTypeOf<Signatures["hessian"]>().toEqualTypeOf<
      (w: Float64Array) => number[][]
    >();
    expectTypeOf<Signatures["hessianOfScalar"]>().toEqualTypeOf<
      (x: number, y: number) => number
    >();
    expectTypeOf<Signatures["hessianOfMatrix"]>().toEqualTypeOf<
      (w: number[][], b: readonly number[], lr: number) => number[][]
    >();
    expectTypeOf<Signatures["hessianOfLabeled"]>().toEqualTypeOf<
      (x: number, label: string, y: number) => number
    >();
  });

  it("hessian of a list of parameters gives blocks", () => {
    expectTypeOf<Signatures["hessianOfPair"]>().toEqualTypeOf<
      (
        w: number[][],
        b: readonly number[],
        lr: number,
      ) => [[number[][], number[][]], [number[][], number]]
    >();
    expectTypeOf<Signatures["hessianOfNumbers"]>().toEqualTypeOf<
      (x: number, y: number) => [[number, number], [number, number]]
    >();
    expectTypeOf<Signatures["hvpOfPair"]>().toEqualTypeOf<
      (
        ...args: [
          w: number[][],
          b: readonly number[],
          lr: number,
          [number, number[][]],
        ]
      ) => [number, number[][]]
    >();
  });

  it("hvp takes f's arguments, then v shaped like the parameter", () => {
    expectTypeOf<Signatures["hvp"]>().toEqualTypeOf<
      (...args: [w: Float64Array, Float64Array]) => Float64Array
    >();
    expectTypeOf<Signatures["hvpOf1"]>().toEqualTypeOf<
      (
        ...args: [w: number[][], b: readonly number[], lr: number, number[]]
      ) => number[]
    >();
    expectTypeOf<Signatures["hvpOfScalar"]>().toEqualTypeOf<
      (...args: [x: number, label: string, y: number, number]) => number
    >();
  });

  it("hvp's v may follow f's required arguments, as f's optional ones may be left out", () => {
    expectTypeOf<Parameters<Signatures["hvpOfOptional"]>>().toEqualTypeOf<
      | [number[], number[]]
      | [number[], number | undefined, number[]]
      | [number[], number | undefined, string | undefined, number[]]
    >();
    expectTypeOf<ReturnType<Signatures["hvpOfOptional"]>>().toEqualTypeOf<
      number[]
    >();
    function calls() {
      const product = hvp(scaledCube);
      product([1, 2], [1, 0]);
      product([1, 2], 3, [1, 0]);
      product([1, 2], undefined, "a", [1, 0]);
      // @ts-expect-error v is missing
      product([1, 2], 3);
      // @ts-expect-error a label where scale goes
      product([1, 2], "a", [1, 0]);
    }
    expectTypeOf(calls).toBeFunction();
  });

  it("rejects what has no Hessian", () => {
    function rejected() {
      // @ts-expect-error the result must be a number
      hessian(softmax);
      // @ts-expect-error parameter 0 is a string
      hessian(scaled);
      // @ts-expect-error parameter 1 is a string
      hvp(weighted, 1);
      // @ts-expect-error parameter 1 is a string
      hessian(weighted, [0, 1]);
      const product = hvp(f);
      // @ts-expect-error v is missing
      product(1, 2);
    }
    expectTypeOf(rejected).toBeFunction();
  });
});
