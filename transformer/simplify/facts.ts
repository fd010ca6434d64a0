/**
 * What several passes ask about the body of one round: `simplify` makes a
 * `BodyFacts` for each round's body and hands it to the passes, which
 * all look at that body until one changes it (a round that changes
 * nothing runs every pass on it). Each fact is found when first asked
 * for: most rounds need few of them.
 */
import { countDefinitions, unmarkedCallIn, type Stmt } from "../ir";
import { arrayNames } from "./arrays";

export class BodyFacts {
  private arrays?: { owned: Set<string>; shared: Set<string> };
  private definitionCounts?: Map<string, number>;
  private unmarkedCall?: boolean;

  constructor(readonly body: readonly Stmt[]) {}

  /** How often each name is defined, nested blocks too. */
  get definitions(): ReadonlyMap<string, number> {
    if (!this.definitionCounts)
      countDefinitions(this.body, (this.definitionCounts = new Map()));
    return this.definitionCounts;
  }

  /**
   * Whether `array` is one of `arrayNames(body).owned`. The passes ask
   * only of arrays written or read element by element, which scalar code
   * has none of.
   */
  readonly owned = (array: string): boolean =>
    this.arrayNames().owned.has(array);

  /**
   * Whether writing an element of `array` changes no other name's
   * elements: an array the body allocates and owns (`arrayNames`), or a
   * parameter no other name is given.
   */
  readonly own = (array: string): boolean =>
    this.owned(array) ||
    (!this.definitions.has(array) && !this.arrayNames().shared.has(array));

  /**
   * Whether the body calls an unmarked function: then a marked call may
   * make unmarked ones (a counter, a log) that it could see.
   */
  get callsObserved(): boolean {
    return (this.unmarkedCall ??= unmarkedCallIn(this.body) !== undefined);
  }

  private arrayNames() {
    return (this.arrays ??= arrayNames(this.body));
  }
}
