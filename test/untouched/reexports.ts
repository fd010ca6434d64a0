/** A module of re-exports, type-only imports and exports, default exports. */
import type { Shape } from "./classes.js";
import { Circle, type Base } from "./classes.js";
import * as enums from "./enums.js";

export * from "./generics.js";
export * as geometry from "./namespaces.js";
export { Direction, Color as Colour } from "./enums.js";
export type { Mode } from "./generics.js";
export { default as defaultQueue } from "./default-export.js";

export function totalArea(shapes: readonly Shape[]): number {
  return shapes.reduce((sum, shape) => sum + shape.area(), 0);
}

export function unitCircle(): Base {
  return new Circle(1);
}

export const up = enums.Direction.Up;
