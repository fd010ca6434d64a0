/**
 * A worker thread whose messages are awaited with a deadline: `next(ms)`
 * resolves with the next message, or with "timeout" after `ms`, in which
 * case the worker is terminated.
 */
import { Worker } from "node:worker_threads";

export class DeadlineWorker<Message> {
  readonly #worker: Worker;
  readonly #queue: Message[] = [];
  #waiting: ((message: Message | "done") => void) | undefined;
  #done = false;

  constructor(file: string, data: unknown) {
    this.#worker = new Worker(file, { workerData: data });
    this.#worker.on("message", (message: Message) => {
      if (this.#waiting) {
        const resolve = this.#waiting;
        this.#waiting = undefined;
        resolve(message);
      } else {
        this.#queue.push(message);
      }
    });
    this.#worker.on("exit", () => {
      this.#done = true;
      this.#waiting?.("done");
    });
    this.#worker.on("error", (error) => {
      throw error;
    });
  }

  /** The next message, "done" when the worker ended, "timeout" after `ms`. */
  next(ms: number): Promise<Message | "done" | "timeout"> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#done) return Promise.resolve("done");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        void this.terminate();
        resolve("timeout");
      }, ms);
      this.#waiting = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}
