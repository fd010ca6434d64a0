/**
 * The type checker, keeping the answers tsad asks for again and again:
 * lowering, hidden-writes.ts and unmarked-writes.ts ask for the type and
 * the symbol of the same nodes, and the checker works each out anew
 * (an identifier's type follows the control flow back to where it was
 * set). Once the program is checked, a node's type and symbol stay what
 * they are. Everything else is the checker's own.
 */
import type * as ts from "typescript";

export function rememberingAnswers(checker: ts.TypeChecker): ts.TypeChecker {
  const types = new WeakMap<ts.Node, ts.Type>();
  // `null`: a node known to have no symbol.
  const symbols = new WeakMap<ts.Node, ts.Symbol | null>();
  const remembering: Pick<
    ts.TypeChecker,
    "getTypeAtLocation" | "getSymbolAtLocation"
  > = {
    getTypeAtLocation(node) {
      let type = types.get(node);
      if (!type) types.set(node, (type = checker.getTypeAtLocation(node)));
      return type;
    },
    getSymbolAtLocation(node) {
      const known = symbols.get(node);
      if (known !== undefined) return known ?? undefined;
      const symbol = checker.getSymbolAtLocation(node);
      symbols.set(node, symbol ?? null);
      return symbol;
    },
  };
  return Object.assign(Object.create(checker) as ts.TypeChecker, remembering);
}
