/**
 * Standard-library globals the program changes: `Math.sin = ...`,
 * `Math = ...`, `globalThis.Math = ...`, `console.info = ...`,
 * `Array.prototype.fill = ...`, `delete JSON.parse`,
 * `Object.assign(Math, ...)`, `Object.defineProperty(Math, "PI", ...)`.
 *
 * tsad's derivative rules and generated code rely on the standard `Math`,
 * `Array` and typed arrays: a program that changes one is an error at each
 * marked function (index.ts, TS96009). The analysis of unmarked calls takes
 * what another changed global holds as unknown code (call-targets.ts).
 */
import type * as ts from "typescript";
import { declaredByStandardLibrary, isLibraryFile } from "./call-targets";
import { forEachWrittenTarget } from "./outer-variables";
import { skipWrappers } from "./wrappers";

/** Library functions that change their first argument's fields or prototype. */
const changesFirstArgument = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.deleteProperty",
  "Reflect.setPrototypeOf",
]);

/** `globalThis[k] = ...`: a change to any global. */
const anyGlobal = "*";

/** Names through which code reaches the globals themselves. */
const globalObjects = new Set(["globalThis", "window", "self", "global"]);

export class PatchedGlobals {
  private found?: Map<string, ts.Node>;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
  ) {}

  /** Where the program first changes the global `name`, if it does. */
  at(name: string): ts.Node | undefined {
    const found = this.scan();
    return found.get(name) ?? found.get(anyGlobal);
  }

  /** Whether `e` is, or is a member of, a global the program changes. */
  reaches(e: ts.Expression): boolean {
    const name = this.globalOf(e);
    return name !== undefined && this.at(name) !== undefined;
  }

  /** The program is read once, on first use. */
  private scan(): Map<string, ts.Node> {
    if (this.found) return this.found;
    const { ts } = this;
    const found = new Map<string, ts.Node>();
    const note = (target: ts.Expression, at: ts.Node) => {
      const name = this.globalOf(target);
      if (name !== undefined && !found.has(name)) found.set(name, at);
    };
    const visit = (node: ts.Node): void => {
      const writes = forEachWrittenTarget(ts, node, (target) =>
        note(target, node),
      );
      if (
        !writes &&
        ts.isCallExpression(node) &&
        node.arguments.length > 0 &&
        changesFirstArgument.has(skipWrappers(ts, node.expression).getText())
      )
        note(node.arguments[0]!, node);
      ts.forEachChild(node, visit);
    };
    for (const file of this.program.getSourceFiles())
      if (!isLibraryFile(file)) visit(file);
    return (this.found = found);
  }

  /**
   * The standard global `target` is or is a part of (`Math.sin`,
   * `globalThis.Math.sin`, `Array.prototype.fill`: `Math`, `Math`,
   * `Array`), if it is one.
   */
  private globalOf(target: ts.Expression): string | undefined {
    const { ts } = this;
    const chain: ts.Expression[] = [];
    let e = skipWrappers(ts, target);
    while (
      ts.isPropertyAccessExpression(e) ||
      ts.isElementAccessExpression(e)
    ) {
      chain.unshift(e);
      e = skipWrappers(ts, e.expression);
    }
    if (!ts.isIdentifier(e)) return undefined;
    const symbol = this.checker.getSymbolAtLocation(e);
    const declared = symbol?.declarations?.length ?? 0;
    // `globalThis` itself has no declaration.
    const standard =
      declaredByStandardLibrary(symbol) ||
      (e.text === "globalThis" && declared === 0);
    if (!standard) return undefined;
    if (!globalObjects.has(e.text)) return e.text;
    const [member] = chain;
    if (member && ts.isPropertyAccessExpression(member))
      return member.name.text;
    return member ? anyGlobal : undefined;
  }
}
