/**
 * The one error class the runtime throws. Every message names the function
 * it is about (and the API call, where the problem is found in one), and
 * says what to do about it.
 */
export class TsadError extends Error {
  override readonly name = "TsadError";
}
