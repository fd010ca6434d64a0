/** The one marked function: its output must differ, or the plugin did not run. */
/** @differentiable */
export function square(x: number): number {
  return x * x;
}
