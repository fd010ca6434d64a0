/**
 * Classes as real code writes them: private fields and methods,
 * accessors, auto-accessors, static blocks, parameter properties,
 * abstract members, class expressions. Nothing here is marked, so tsad
 * must leave it exactly as tsc emits it (see untouched.test.ts).
 */
export interface Shape {
  area(): number;
  readonly name: string;
}

export abstract class Base implements Shape {
  static #created = 0;
  static readonly registry: Map<string, Base> = new Map();

  static {
    Base.registry.clear();
  }

  protected constructor(public readonly name: string) {
    Base.#created++;
    Base.registry.set(name, this);
  }

  static get created(): number {
    return Base.#created;
  }

  abstract area(): number;

  describe(): string {
    return `${this.name}: ${this.area().toFixed(2)}`;
  }
}

export class Circle extends Base {
  #radius: number;
  accessor label = "circle";

  constructor(radius: number) {
    super("circle");
    this.#radius = radius;
  }

  get radius(): number {
    return this.#radius;
  }

  set radius(value: number) {
    if (value < 0) throw new RangeError("negative radius");
    this.#radius = value;
  }

  #scaled(k: number): number {
    return this.#radius * k;
  }

  override area(): number {
    return Math.PI * this.#scaled(1) ** 2;
  }

  static isCircle(shape: Shape): shape is Circle {
    return #radius in shape;
  }
}

export const Square = class extends Base {
  constructor(readonly side: number) {
    super("square");
  }

  area(): number {
    return this.side * this.side;
  }
};

export class Counter<T extends string | number = number> {
  private readonly counts = new Map<T, number>();
  [key: `total_${string}`]: unknown;

  add(item: T, times = 1): this {
    this.counts.set(item, (this.counts.get(item) ?? 0) + times);
    return this;
  }

  *entries(): IterableIterator<[T, number]> {
    yield* this.counts;
  }
}
