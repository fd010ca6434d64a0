/**
 * What a fixture's optional `check.ts` may say about its numeric check.
 */
export interface FixtureCheck {
  /** Per function, the length of its array arguments (default: several). */
  readonly lengths?: Record<string, number>;
  /** Per function, the interval each parameter is drawn from (default [-2, 2]). */
  readonly domains?: Record<string, [number, number][]>;
  /**
   * Per function, a hand-derived gradient (one entry per parameter) to use
   * instead of finite differences, where those do not measure what the
   * derivative means (stopGradient, conventions at kinks).
   */
  readonly gradients?: Record<string, (...args: any[]) => unknown[]>;
  /**
   * Per function, values of parameters that are not differentiated, by
   * position (default: a string, as a label would be), made from vectors
   * of the point's length in [-2, 2].
   */
  readonly data?: Record<
    string,
    (vector: () => number[]) => Record<number, unknown>
  >;
}
