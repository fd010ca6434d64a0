/**
 * Overloads, generics with constraints, conditional and mapped types,
 * type guards and assertion functions, `satisfies`, `as const`.
 * It mentions @differentiable in comments without marking anything.
 */
// A line comment about @differentiable is not a tag.
export function parse(input: string): number;
export function parse(input: string[]): number[];
export function parse(input: string | string[]): number | number[] {
  return Array.isArray(input) ? input.map(Number) : Number(input);
}

export type Awaited2<T> = T extends PromiseLike<infer U> ? Awaited2<U> : T;
export type ReadonlyDeep<T> = {
  readonly [K in keyof T]: T[K] extends object ? ReadonlyDeep<T[K]> : T[K];
};

export function pluck<T, K extends keyof T>(
  items: readonly T[],
  key: K,
): T[K][] {
  return items.map((item) => item[key]);
}

export function largest<T extends { length: number }>(a: T, b: T): T {
  return a.length >= b.length ? a : b;
}

export function isDefined<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}

export function assertPositive(value: number): asserts value {
  if (!(value > 0)) throw new Error(`${value} is not positive`);
}

export const config = {
  retries: 3,
  mode: "fast",
  weights: [0.5, 0.25],
} satisfies { retries: number; mode: "fast" | "slow"; weights: number[] };

export const modes = ["fast", "slow"] as const;
export type Mode = (typeof modes)[number];

export abstract class Repository<
  Id extends string | number,
  Item extends { id: Id },
> {
  protected readonly items = new Map<Id, Item>();

  save(item: Item): void {
    this.items.set(item.id, item);
  }

  find(id: Id): Item | undefined {
    return this.items.get(id);
  }

  abstract validate(item: Item): boolean;
}

export function tuple<const T extends readonly unknown[]>(...values: T): T {
  return values;
}

export const optional = (value?: { nested?: { count?: number } }) =>
  value?.nested?.count ?? 0;
