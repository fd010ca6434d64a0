/**
 * jax-js 0.1.x reads `Float16Array` when it loads, and Node 20 does not
 * have it; libraries.ts imports this module before jax-js. The placeholder
 * is never used to hold numbers.
 */
const globals = globalThis as { Float16Array?: unknown };
globals.Float16Array ??= class Float16Array {};
