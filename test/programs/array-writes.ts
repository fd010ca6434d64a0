/**
 * Loops that read local arrays and overwrite them, in the ways that test
 * which writes the reverse sweep undoes (transformer/array-writes.ts):
 * indices ahead of and behind the counter, descending and strided loops,
 * two writes per iteration, data-dependent indices, writes in branches,
 * while loops, marked calls reading the array, arrays allocated per
 * iteration. Checked by array-writes.test.ts.
 */

/** Reads the element the next iteration overwrites. */
/** @differentiable */
export function readAhead(x: number[], c: number): number {
  const a = x.slice();
  for (let i = 0; i < a.length - 1; i++) a[i] = a[i + 1]! * Math.sin(a[i]! + c);
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

/** A descending loop reading behind it: nothing to undo. */
/** @differentiable */
export function descending(x: number[], c: number): number {
  const a = x.slice();
  for (let i = a.length - 2; i >= 0; i--)
    a[i] = Math.cos(a[i + 1]! * c) + a[i]!;
  return a[0]! * c;
}

/** A strided loop whose iterations write two elements each. */
/** @differentiable */
export function pairs(x: Float64Array, c: number): number {
  const a = x.slice();
  for (let step = 0; step < 2; step++) {
    for (let i = 0; i < a.length - 1; i += 2) {
      const left = a[i]!;
      a[i] = left * Math.cos(a[i + 1]! * c);
      a[i + 1] = Math.sin(left) + a[i]! * a[i + 1]!;
    }
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * (i + 1);
  return s;
}

/** Two writes to the same element in one iteration, each reading it. */
/** @differentiable */
export function twice(x: number[], c: number): number {
  const a = x.slice();
  for (let step = 0; step < 2; step++) {
    for (let i = 0; i < a.length; i++) {
      a[i] = a[i]! * c + 0.5;
      a[i] = Math.tanh(a[i]! * a[i]!);
    }
  }
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** An index computed from the data: may be any element. */
/** @differentiable */
export function scattered(x: number[], c: number): number {
  const a = x.slice();
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(Math.abs(a[i]!) * 7) % n;
    a[j] = Math.sin(a[j]! * c) + a[i]!;
  }
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

/** A write in a branch decided by the element it overwrites, read after. */
/** @differentiable */
export function clipped(x: number[], c: number): number {
  const a = x.slice();
  let s = 0;
  for (let step = 0; step < 2; step++) {
    for (let i = 0; i < a.length; i++) {
      if (a[i]! > 0.3) a[i] = Math.sqrt(a[i]!) * c;
      else a[i] = a[i]! * a[i]! - c;
      s += a[i]! * a[i]!;
    }
  }
  return s;
}

/** A while loop, its trip count depending on the data, writing in place. */
/** @differentiable */
export function untilSmall(x: number[], c: number): number {
  const a = x.slice();
  let norm = 10;
  let rounds = 0;
  while (norm > 0.5 && rounds < 5) {
    norm = 0;
    for (let i = 0; i < a.length; i++) {
      a[i] = 0.7 * Math.sin(a[i]! + c);
      norm += a[i]! * a[i]!;
    }
    rounds++;
  }
  return norm + a[0]!;
}

/** @differentiable */
export function energy(v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.cos(v[i]!) * (i + 1);
  return s;
}

/** A marked call reads the whole array before each step overwrites it. */
/** @differentiable */
export function callsBetweenSteps(x: number[], c: number): number {
  const a = x.slice();
  let total = energy(a);
  for (let step = 0; step < 3; step++) {
    for (let i = 0; i < a.length; i++) a[i] = a[i]! * c + Math.sin(a[i]!);
    total += energy(a);
  }
  a[0] = total;
  return total * energy(a);
}

/** A scratch array allocated each step, written and read by inner loops. */
/** @differentiable */
export function scratch(x: Float64Array, c: number): number {
  const n = x.length;
  const u = x.slice();
  for (let step = 0; step < 2; step++) {
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = u[i]! - (i > 0 ? u[i - 1]! : c);
    for (let i = 1; i < n; i++) d[i] = d[i]! * d[i - 1]!;
    for (let i = 0; i < n; i++) u[i] = Math.tanh(u[i]! + 0.3 * d[i]!);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += u[i]! * u[i]!;
  return s;
}

/** Running normalization: an inner loop's sum of the array, then a rescale. */
/** @differentiable */
export function rescale(x: number[]): number {
  const a = x.slice();
  for (let step = 0; step < 3; step++) {
    let s = 1;
    for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
    for (let i = 0; i < a.length; i++) a[i] = a[i]! / Math.sqrt(s) + 0.1 * i;
  }
  let out = 0;
  for (let i = 0; i < a.length; i++) out += a[i]! * (i + 2);
  return out;
}

/** A state array updated from an earlier time step's copy, kept elsewhere. */
/** @differentiable */
export function twoArrays(x: number[], c: number): number {
  const u = x.slice();
  const old = x.slice();
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < u.length; i++) {
      const next = 2 * u[i]! - old[i]! + c * Math.sin(u[i]!);
      old[i] = u[i]!;
      u[i] = next;
    }
  }
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * old[i]!;
  return s;
}

/** Pushes after reads of the length, in nested loops. */
/** @differentiable */
export function growing(x: number[], c: number): number {
  const xs = [c];
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < 2; k++) {
      const last = xs[xs.length - 1]!;
      xs.push(Math.sin(last * x[i]!) + xs.length * 0.1);
    }
  }
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]! * (i + 1);
  return s;
}

/** A two-dimensional stencil updated in place over time steps. */
/** @differentiable */
export function stencil2d(x: Float64Array, k: number): number {
  const n = x.length + 3;
  const u: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from(
      { length: n },
      (_, j) => x[(i + j) % x.length]! * Math.cos(j + k),
    ),
  );
  for (let t = 0; t < 2; t++) {
    for (let i = 1; i < n - 1; i++) {
      const row = u[i]!;
      for (let j = 1; j < n - 1; j++) {
        const around =
          u[i - 1]![j]! + u[i + 1]![j]! + row[j - 1]! + row[j + 1]!;
        row[j] = row[j]! + k * (around - 4 * row[j]!) - 0.1 * row[j]! ** 3;
      }
    }
  }
  let s = 0;
  for (const row of u) for (const v of row) s += v * v;
  return s;
}

/** Rows of a local matrix mapped in place, a matrix allocated per step. */
/** @differentiable */
export function rowsPerStep(x: number[], c: number): number {
  let s = 0;
  for (let step = 0; step < 2; step++) {
    const m: number[][] = Array.from({ length: x.length }, (_, i) => [
      x[i]!,
      c * (step + 1),
    ]);
    for (const row of m) {
      row[0] = Math.tanh(row[0]! * row[1]!);
      row[1] += row[0]!;
    }
    for (let i = 0; i < m.length; i++) s += m[i]![0]! * m[i]![1]!;
  }
  return s;
}

/**
 * Rows pushed onto `[]`, then updated in place over time steps within
 * their lengths: the writes never lengthen the matrix or its rows.
 */
/** @differentiable */
export function pushedRows(x: number[], c: number): number {
  const m: number[][] = [];
  for (let i = 0; i < x.length; i++) m.push([x[i]!, c, x[i]! * c]);
  for (let step = 0; step < 3; step++) {
    for (let i = 0; i < m.length; i++) {
      for (let j = 0; j < m[i]!.length; j++)
        m[i]![j] = Math.sin(m[i]![j]! * c) + m[i]![0]!;
    }
  }
  let s = 0;
  for (const row of m) for (const v of row) s += v * v;
  return s;
}

/** @differentiable */
export function weightedSines(v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.sin(v[i]!) * (i + 1);
  return s;
}

/** A vector grown by `push`, read whole by calls between in-place updates. */
/** @differentiable */
export function pushedThenRescaled(x: number[], c: number): number {
  const a: number[] = [];
  for (let i = 0; i < x.length; i++) a.push(x[i]! * c);
  let s = 0;
  for (let step = 0; step < 2; step++) {
    s += weightedSines(a);
    for (let i = 0; i < a.length; i++) a[i] = a[i]! * a[i]! - s;
    a.push(s * c);
  }
  return s + weightedSines(a);
}
