/** TypeScript 5 standard decorators on classes, methods, fields and accessors. */
export function logged<This, Args extends unknown[], Return>(
  method: (this: This, ...args: Args) => Return,
  context: ClassMethodDecoratorContext<
    This,
    (this: This, ...args: Args) => Return
  >,
) {
  const name = String(context.name);
  return function (this: This, ...args: Args): Return {
    calls.push(name);
    return method.call(this, ...args);
  };
}

export const calls: string[] = [];

function sealed<T extends abstract new (...args: never[]) => unknown>(
  target: T,
  _context: ClassDecoratorContext<T>,
): T {
  Object.seal(target.prototype);
  return target;
}

function defaultTo<T>(fallback: T) {
  return (
      _value: undefined,
      _context: ClassFieldDecoratorContext<unknown, T | undefined>,
    ) =>
    (initial: T | undefined): T =>
      initial ?? fallback;
}

function clamped(min: number, max: number) {
  return <This>(
    target: ClassAccessorDecoratorTarget<This, number>,
    _context: ClassAccessorDecoratorContext<This, number>,
  ): ClassAccessorDecoratorResult<This, number> => ({
    set(value) {
      target.set.call(this, Math.min(max, Math.max(min, value)));
    },
  });
}

@sealed
export class Thermostat {
  @defaultTo(20) target: number | undefined = undefined;
  @clamped(5, 30) accessor setting = 20;

  @logged
  raise(by: number): number {
    this.setting += by;
    return this.setting;
  }
}
