/**
 * Dead code that use counts cannot see: a value nothing needs may still
 * be read, by itself. A loop that only updates a sum the function never
 * returns reads the sum in every iteration:
 *
 *   let f = 0;                                 (removed)
 *   for (let i = 0; i < n; i++) {         ->
 *     f = f + x[i] * x[i];
 *   }
 *   return x_adj;                              return x_adj;
 *
 * (a gradient-only adjoint's forward sweep, whose value nobody asked
 * for). A backward liveness analysis over the structured code, loops to a
 * fixpoint, marks the statements the result needs, starting from what
 * must run: `return`, effects, the value stack's pushes and pops (a
 * `stack.pop()` anywhere in a statement), writes into arrays the function
 * did not create (its caller's buffers) or that other names may share
 * (see `BodyFacts.owned`), and `while` loops (removing one could turn a loop
 * that never ends into one that does), but those the reverse sweep runs
 * again, which ended before. Everything else goes if unmarked.
 */
import {
  readsField,
  allReads,
  definedNames,
  forEachExpr,
  mapBlocks,
  someSubexpression,
  nestedBlocks,
  type Expr,
  type Stmt,
} from "../ir";
import type { BodyFacts } from "./facts";

/** `body` without the statements nothing needs; `undefined` if none. */
export function removeUnneeded(facts: BodyFacts): Stmt[] | undefined {
  const { body } = facts;
  const { needed, liveNames } = neededStatements(facts);
  let changed = false;
  const keep = (block: readonly Stmt[]): Stmt[] => {
    /** The statements kept after this point, last first. */
    const kept: Stmt[] = [];
    for (let k = block.length - 1; k >= 0; k--) {
      const s = block[k]!;
      let stmt: Stmt | undefined;
      if (s.kind === "destructure" && needed.has(s)) {
        stmt = withLiveNames(s, liveNames.get(s)!);
        if (stmt !== s) changed = true;
      } else if (needed.has(s)) {
        stmt = mapBlocks(s, keep);
      } else if (
        s.kind === "declare" &&
        kept.some((t) => readsOrAssigns(t, s.name))
      ) {
        // Assigned before it is read: the declaration stays, not the value.
        stmt = { kind: "declare", name: s.name };
      }
      if (
        !stmt ||
        (s.kind === "declare" &&
          stmt.kind === "declare" &&
          stmt.init !== s.init)
      ) {
        changed = true;
      }
      if (stmt) kept.push(stmt);
    }
    return kept.reverse();
  };
  const kept = keep(body);
  return changed ? kept : undefined;
}

/**
 * `const [y, dy] = g__jvp(x, 1)` with only `y` needed: `const y = g(x)`;
 * other names nobody needs are left out of a destructuring.
 */
function withLiveNames(
  s: Extract<Stmt, { kind: "destructure" }>,
  live: ReadonlySet<string>,
): Stmt {
  const names = s.names.map((n) => (n && live.has(n) ? n : undefined));
  while (names.length > 0 && names.at(-1) === undefined) names.pop();
  const [value] = names;
  if (names.length === 1 && value && s.value.kind === "call") {
    const call = s.value;
    if (call.variant === "jvp") {
      const args = call.args.slice(0, call.callee.params.length);
      return {
        kind: "const",
        name: value,
        value: { ...call, variant: "primal", args },
      };
    }
  }
  const same =
    names.length === s.names.length && names.every((n, i) => n === s.names[i]);
  return same ? s : { ...s, names };
}

function neededStatements({ body, owned: local, callsObserved }: BodyFacts) {
  // A marked call may make unmarked ones an unmarked call here could see.
  const removable = (e: Expr) => removableIf(e, callsObserved);
  const needed = new Set<Stmt>();
  /** Of each destructuring, the names needed after it. */
  const liveNames = new Map<Stmt, Set<string>>();
  const readsOf = (e: Expr, into: Set<string>) =>
    allReads(e, (name) => into.add(name));

  /** The variables live before `block`, given those live after it. */
  const block = (stmts: readonly Stmt[], liveOut: Set<string>): Set<string> => {
    let live = new Set(liveOut);
    for (let k = stmts.length - 1; k >= 0; k--) {
      live = statement(stmts[k]!, live);
    }
    // Names declared in the block are its own: the same names outside it
    // are other variables, live before the block if they were after it.
    const declared = definedNames(stmts);
    for (const name of declared) {
      if (liveOut.has(name)) live.add(name);
      else live.delete(name);
    }
    return live;
  };

  const markIf = (s: Stmt, condition: boolean) => {
    if (condition) needed.add(s);
    return condition || needed.has(s);
  };

  const statement = (s: Stmt, live: Set<string>): Set<string> => {
    switch (s.kind) {
      case "const":
      case "assign":
      case "declare": {
        const value = s.kind === "declare" ? s.init : s.value;
        const effectful = value !== undefined && !removable(value);
        if (!markIf(s, live.has(s.name) || effectful)) return live;
        live.delete(s.name);
        if (value) readsOf(value, live);
        return live;
      }
      case "destructure": {
        const wanted = s.names.some((n) => n !== undefined && live.has(n));
        if (!markIf(s, wanted || !removable(s.value))) return live;
        const names = liveNames.get(s) ?? new Set();
        s.names.forEach((n) => n !== undefined && live.has(n) && names.add(n));
        liveNames.set(s, names);
        s.names.forEach((n) => n !== undefined && live.delete(n));
        readsOf(s.value, live);
        return live;
      }
      case "accumulate": {
        const outside = s.indices !== undefined && !local(s.name);
        if (!markIf(s, live.has(s.name) || outside)) return live;
        live.add(s.name);
        s.indices?.forEach((e) => readsOf(e, live));
        readsOf(s.value, live);
        return live;
      }
      case "store":
      case "append":
      case "shorten": {
        const array = s.array.kind === "var" ? s.array.name : undefined;
        // `a[k] = stack.pop()` restores an element nothing reads again,
        // but its pop still takes its push off the stack.
        let effectful = false;
        forEachExpr([s], (e) => (effectful ||= !removable(e)));
        const wanted =
          array === undefined || live.has(array) || !local(array) || effectful;
        if (!markIf(s, wanted)) return live;
        forEachExpr([s], (e) => readsOf(e, live));
        return live;
      }
      case "pop":
        needed.add(s);
        live.delete(s.name);
        return live;
      case "return":
      case "effect":
      case "push":
        needed.add(s);
        readsOf(s.value, live);
        return live;
      case "throw":
        needed.add(s);
        s.reads.forEach((e) => readsOf(e, live));
        return live;
      case "if": {
        const then = block(s.then, live);
        const otherwise = block(s.else, live);
        const wanted = [...s.then, ...s.else].some((t) => needed.has(t));
        if (!markIf(s, wanted)) return live;
        const merged = new Set([...then, ...otherwise]);
        readsOf(s.test, merged);
        return merged;
      }
      case "loop":
        return loop(s, live);
    }
  };

  const loop = (
    s: Extract<Stmt, { kind: "loop" }>,
    liveOut: Set<string>,
  ): Set<string> => {
    const header = s.header;
    // The body may run again: what it needs at its start is live at its end.
    const liveAtEnd = (withTest: boolean) => {
      let atEnd = new Set(liveOut);
      for (;;) {
        const beforeBody = block(s.body, atEnd);
        const beforeTest =
          header.kind === "while"
            ? block(
                header.test,
                withTest ? withReads(beforeBody, header.condition) : beforeBody,
              )
            : beforeBody;
        const next = new Set([...liveOut, ...beforeTest]);
        if (next.size === atEnd.size) return atEnd;
        atEnd = next;
      }
    };
    // A loop that ends is needed for what it does besides counting its
    // own iterations: looked for without its condition first.
    const ends = header.kind === "while" && s.ends === true;
    let atEnd = liveAtEnd(!ends);
    const wanted =
      (header.kind === "while" &&
        (!ends || header.test.some((t) => needed.has(t)))) ||
      s.body.some((t) => needed.has(t));
    if (ends && wanted) atEnd = liveAtEnd(true);
    if (!markIf(s, wanted)) return liveOut;
    if (header.kind === "while") {
      // The test runs even when the body never does.
      header.test.forEach((t) => needed.add(t));
      const live = block(header.test, withReads(atEnd, header.condition));
      return new Set([...live, ...liveOut]);
    }
    const live = new Set(atEnd);
    // The counter is the loop's own; a variable of that name after it is another.
    if (!liveOut.has(header.counter)) live.delete(header.counter);
    readsOf(header.start, live);
    readsOf(header.end, live);
    return live;
  };

  const withReads = (live: Set<string>, e: Expr) => {
    const out = new Set(live);
    readsOf(e, out);
    return out;
  };

  block(body, new Set());
  return { needed, liveNames };
}

/**
 * Computing it has no effect but its value: calls to marked functions
 * too, unless they may throw or an unmarked call may see what they do;
 * not a `stack.pop()`, whose push stays.
 */
function removableIf(e: Expr, callsObserved: boolean): boolean {
  return !someSubexpression(
    e,
    (inner) =>
      inner.kind === "extern" ||
      readsField(inner) ||
      inner.kind === "popped" ||
      (inner.kind === "call" && (callsObserved || !!inner.callee.mayThrow)),
  );
}

/**
 * Whether `s` reads or assigns `name`, nested blocks too: asked only of
 * the statements after a declaration nothing needs (rare), rather than
 * collecting what every kept statement touches.
 */
function readsOrAssigns(s: Stmt, name: string): boolean {
  let found = false;
  forEachExpr([s], (e) => allReads(e, (read) => (found ||= read === name)));
  if (found) return true;
  const assigned = new Set<string>();
  assignedNames([s], assigned);
  return assigned.has(name);
}

/** Variables these statements assign, nested blocks too. */
function assignedNames(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (s.kind === "assign" || s.kind === "accumulate" || s.kind === "pop") {
      into.add(s.name);
    }
    nestedBlocks(s).forEach((block) => assignedNames(block, into));
  }
}
