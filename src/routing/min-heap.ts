/** A binary min-heap ordered by a comparator; the priority queue behind the engine and the simulator clock. */
export class MinHeap<T> {
  private readonly values: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Number of values held. */
  get size(): number {
    return this.values.length;
  }

  /** The smallest value, without removing it. */
  peek(): T | undefined {
    return this.values[0];
  }

  /** Adds a value in O(log n). */
  push(value: T): void {
    const values = this.values;
    values.push(value);
    let index = values.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentValue = values[parent] as T;
      if (!this.before(value, parentValue)) break;
      values[index] = parentValue;
      index = parent;
    }
    values[index] = value;
  }

  /** Removes and returns the smallest value in O(log n). */
  pop(): T | undefined {
    const values = this.values;
    const top = values[0];
    const last = values.pop();
    if (values.length === 0 || last === undefined) return top;
    const length = values.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.before(values[right] as T, values[left] as T)) child = right;
      const childValue = values[child] as T;
      if (!this.before(childValue, last)) break;
      values[index] = childValue;
      index = child;
    }
    values[index] = last;
    return top;
  }
}
