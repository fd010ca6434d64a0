/** Namespaces, nested and merged with functions and classes. */
export namespace Geometry {
  export const origin = { x: 0, y: 0 } as const;

  export namespace Vectors {
    export interface Vector {
      readonly x: number;
      readonly y: number;
    }

    export function add(a: Vector, b: Vector): Vector {
      return { x: a.x + b.x, y: a.y + b.y };
    }
  }

  export import add = Vectors.add;
}

export function greet(name: string): string {
  return `${greet.prefix}, ${name}`;
}
export namespace greet {
  export const prefix = "Hello";
}

export class Temperature {
  constructor(readonly kelvin: number) {}
}
export namespace Temperature {
  export const freezing = new Temperature(273.15);
}
