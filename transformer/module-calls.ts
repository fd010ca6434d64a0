/**
 * The marked functions a marked function's derivatives reach through
 * another module's exports, for its registration's `calls`
 * (runtime/registry.ts).
 *
 * The derivatives of `f` call `lib_1.cube__vjp` where `f` calls `cube`,
 * imported. A module mock or a stub may replace `cube` in the exports
 * after the build (`vi.mock` keeping the module's other exports,
 * `sinon.stub(lib, "cube")`): `f` then computes with the replacement and
 * its derivatives with the original. The runtime checks, at each call of
 * the derivatives, that every such export is still the function they
 * were compiled from, down every chain of calls: `f` lists the functions
 * it imports, and those of its own module that reach one, whose
 * registrations list theirs.
 */
import type { MarkedCall } from "./callees";
import type { CalleeRef } from "./ir";
import type { DifferentiableFunction } from "./select";

export class ModuleCalls {
  /** Whether a function of the program reaches another module's exports. */
  private readonly reaches = new Map<DifferentiableFunction, boolean>();

  constructor(
    /** The calls in a function of marked functions (`CalleeCheck`'s). */
    private readonly callsOf: (
      fn: DifferentiableFunction,
    ) => readonly MarkedCall[],
  ) {}

  /** The callees `fn` lists, each once, in the order it first calls them. */
  of(fn: DifferentiableFunction): CalleeRef[] {
    const listed = new Map<string, CalleeRef>();
    for (const { declaration, ref } of this.callsOf(fn)) {
      if (ref.kind === "local" && !this.reachesModules(declaration)) continue;
      listed.set(keyOf(ref), ref);
    }
    return [...listed.values()];
  }

  private reachesModules(fn: DifferentiableFunction): boolean {
    let known = this.reaches.get(fn);
    if (known !== undefined) return known;
    // Recursion is an error of its own; a cycle reaches nothing more.
    this.reaches.set(fn, false);
    known = this.callsOf(fn).some(
      ({ declaration, ref }) =>
        ref.kind === "module" || this.reachesModules(declaration),
    );
    this.reaches.set(fn, known);
    return known;
  }
}

function keyOf(ref: CalleeRef): string {
  return ref.kind === "local"
    ? ref.name
    : JSON.stringify([ref.specifier, ...ref.path, ref.exportName]);
}
