/**
 * The other AD libraries, loaded once per process: TensorFlow.js on its pure
 * JavaScript CPU backend (the native tfjs-node cannot install here) and
 * jax-js on its WebAssembly backend.
 */
import "./float16-placeholder.js";
import * as jax from "@jax-js/jax";
import * as tf from "@tensorflow/tfjs";

export type Tf = typeof tf;
export type Jax = typeof jax;

export interface Libraries {
  readonly tf: Tf;
  readonly jax: Jax;
}

export async function loadLibraries(): Promise<Libraries> {
  // PROD skips tfjs's debug checks and its "install tfjs-node" banner.
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
  await tf.ready();
  // jax-js's plain init() reads `navigator`, which Node 20 does not have.
  await jax.init("wasm");
  jax.defaultDevice("wasm");
  return { tf, jax };
}
