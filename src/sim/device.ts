// The device a task's I/O phase waits on: `slots` requests in service at once (a disk that
// serves k requests concurrently), the rest waiting first-in first-out. With Infinity slots
// every request is served at once and the I/O phase is a pure delay.
import { MinHeap } from './heap.js';

export class Device<T> {
  readonly slots: number;
  /** requests in service */
  inService = 0;
  private readonly done = new MinHeap<T>();
  private fifo: { item: T; serviceMs: number }[] = [];
  private head = 0;

  constructor(slots: number) {
    if (!(slots >= 1)) throw new Error(`a device needs at least one slot, got ${slots}`);
    this.slots = slots;
  }

  /** requests waiting for a slot */
  get waiting(): number {
    return this.fifo.length - this.head;
  }

  /** A request for `serviceMs` of service arrives at `t`: served now if a slot is free, else queued. */
  submit(item: T, serviceMs: number, t: number): void {
    if (this.inService < this.slots) {
      this.inService += 1;
      this.done.push(t + serviceMs, item);
    } else {
      this.fifo.push({ item, serviceMs });
    }
  }

  /** time of the next completion, Infinity when none is in service */
  nextMs(): number {
    return this.done.peekKey();
  }

  /** Completes the request in service that ends first (at `t`) and starts the oldest waiting one. */
  complete(t: number): T {
    const item = this.done.pop() as T;
    this.inService -= 1;
    if (this.head < this.fifo.length) {
      const next = this.fifo[this.head] as { item: T; serviceMs: number };
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.fifo.length) {
        this.fifo = this.fifo.slice(this.head);
        this.head = 0;
      }
      this.inService += 1;
      this.done.push(t + next.serviceMs, next.item);
    }
    return item;
  }
}
