// A binary min-heap keyed by a number, ties broken by insertion order (so events at the same
// virtual time run first-in, first-out and every run is repeatable).

export class MinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** the smallest key, or Infinity when empty */
  peekKey(): number {
    return this.keys.length > 0 ? (this.keys[0] as number) : Number.POSITIVE_INFINITY;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(key: number, item: T): void {
    this.keys.push(key);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0];
    this.move(n - 1, 0);
    this.keys.pop();
    this.seqs.pop();
    this.items.pop();
    if (n > 2) this.down(0);
    return top;
  }

  private less(i: number, j: number): boolean {
    const ki = this.keys[i] as number;
    const kj = this.keys[j] as number;
    return ki < kj || (ki === kj && (this.seqs[i] as number) < (this.seqs[j] as number));
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.items[to] = this.items[from] as T;
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i] as number;
    const s = this.seqs[i] as number;
    const it = this.items[i] as T;
    this.move(j, i);
    this.keys[j] = k;
    this.seqs[j] = s;
    this.items[j] = it;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
