/** Async functions, generators and async generators. */
export async function delayed<T>(value: T, ms = 0): Promise<T> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
  return value;
}

export function* range(
  start: number,
  end: number,
  step = 1,
): Generator<number> {
  for (let i = start; i < end; i += step) yield i;
}

export async function* chunks<T>(
  items: AsyncIterable<T> | Iterable<T>,
  size: number,
): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

export const sumLater = async (...values: number[]): Promise<number> => {
  let total = 0;
  for (const value of values) total += await delayed(value);
  return total;
};

export class Queue {
  #pending: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#pending.then(task);
    this.#pending = next.catch(() => undefined);
    return next;
  }
}
