/**
 * Arguments tsad does not differentiate (a record `{ t: Float64Array }`,
 * options) may hold arrays the derivative code reads. Plain data, that
 * is: arrays, typed arrays, and objects made by literals (`{ ... }`, or
 * with no prototype) whose properties are all values, not getters, are
 * copied. What else an object is (a class's instance, a Map) is its own
 * business: a copy leaves it as it is, and a gradient buffer is taken to
 * share its memory.
 */
import { sharesMemory } from "./kinds.js";

/**
 * Objects a marked function reaches nothing through: it reads fields only
 * (a method call of a parameter's is an error), and these have none of
 * their own.
 */
const fieldless = new Set<unknown>([
  Date.prototype,
  Map.prototype,
  Set.prototype,
  RegExp.prototype,
]);

/**
 * Whether `value`, or plain data it holds at any depth, may share memory
 * with `buffer`. Any other object (a class's instance, a proxy) may: a
 * getter or a private field can give a marked function an array no field
 * shows, so only plain data proves a buffer apart.
 */
export function holdsMemoryOf(value: unknown, buffer: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (v: unknown): boolean => {
    if (typeof v !== "object" || v === null || seen.has(v)) return false;
    seen.add(v);
    if (sharesMemory(v, buffer)) return true;
    if (ArrayBuffer.isView(v)) return false;
    if (Array.isArray(v)) return v.some(visit);
    if (
      fieldless.has(Object.getPrototypeOf(v)) &&
      Reflect.ownKeys(v).length === 0
    )
      return false;
    const fields = plainFields(v);
    return fields === undefined || fields.some(([, field]) => visit(field));
  };
  try {
    return visit(value);
  } catch {
    // A revoked proxy: nothing is known of it.
    return true;
  }
}

/**
 * A copy of the plain data `value` holds, at any depth, sharing what the
 * original shares (one copy per array, however often it is reached); the
 * rest as it is.
 */
export function snapshot(value: unknown): unknown {
  const copies = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    const known = copies.get(v);
    if (known !== undefined) return known;
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const typed = (v as unknown as { slice(): unknown }).slice();
      copies.set(v, typed);
      return typed;
    }
    if (Array.isArray(v)) {
      const array: unknown[] = [];
      copies.set(v, array);
      for (const element of v) array.push(copy(element));
      return array;
    }
    const fields = plainFields(v);
    if (fields === undefined) return v;
    const object = Object.create(Object.getPrototypeOf(v)) as Record<
      string,
      unknown
    >;
    copies.set(v, object);
    for (const [key, field] of fields) object[key] = copy(field);
    return object;
  };
  return copy(value);
}

/**
 * The fields of an object made by a literal or with no prototype, if they
 * are enumerable values under string keys only (no getters, which a copy
 * keeps): found in one pass, as a gradient buffer's guard asks each call.
 */
function plainFields(v: object): [string, unknown][] | undefined {
  const prototype = Object.getPrototypeOf(v);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const fields: [string, unknown][] = [];
  for (const key of Reflect.ownKeys(v)) {
    const field = Object.getOwnPropertyDescriptor(v, key)!;
    if (typeof key === "symbol" || !("value" in field) || !field.enumerable)
      return undefined;
    fields.push([key, field.value]);
  }
  return fields;
}
