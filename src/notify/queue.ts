/**
 * A bounded first-in-first-out queue that makes room by dropping its oldest
 * item: when a receiver is down for long, the newest news is worth more than
 * the oldest, and memory stays flat.
 */
export class BoundedQueue<T> {
  readonly #items: T[] = [];
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Adds `item` at the end; returns the item dropped to make room, if one was. */
  push(item: T): { dropped: T } | undefined {
    const dropped = this.#items.length >= this.capacity ? this.#items.shift() : undefined;
    this.#items.push(item);
    return dropped === undefined ? undefined : { dropped };
  }

  /** The oldest item, left in place until `shift`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  shift(): T | undefined {
    return this.#items.shift();
  }
}
