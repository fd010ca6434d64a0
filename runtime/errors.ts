/**
 * The one error class the runtime throws. Every message names the API call
 * and the function it was given, and says what to do about it.
 */
export class TsadError extends Error {
  override readonly name = "TsadError";
}
