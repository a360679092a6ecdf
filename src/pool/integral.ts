// A step function integrated over time: how both pools turn "how many were busy, and
// for how long" into the per-period means a sample reports, without sampling at a rate.

export class TimeIntegral {
  private value: number;
  private sinceMs: number;
  private area = 0;

  constructor(value: number, nowMs: number) {
    this.value = value;
    this.sinceMs = nowMs;
  }

  /** The value changes (or is re-stated) at nowMs. */
  set(value: number, nowMs: number): void {
    this.accumulate(nowMs);
    this.value = value;
  }

  /** The area since the last take(), up to nowMs; starts a new period. */
  take(nowMs: number): number {
    this.accumulate(nowMs);
    const area = this.area;
    this.area = 0;
    return area;
  }

  get current(): number {
    return this.value;
  }

  private accumulate(nowMs: number): void {
    // A wall clock can step backwards; a negative slice would corrupt the period's mean.
    const dt = Math.max(0, nowMs - this.sinceMs);
    this.area += this.value * dt;
    this.sinceMs = Math.max(this.sinceMs, nowMs);
  }
}

export function clamp01(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

export interface Usage {
  /** mean of `busy` over the period */
  busyMean: number;
  /** 1 - busy time / capacity time: the share of capacity that waited for work */
  idle: number;
}

/** Busy units out of a capacity (workers, shards), both integrated over each sample period. */
export class UsageMeter {
  private readonly busyTime: TimeIntegral;
  private readonly capacityTime: TimeIntegral;

  constructor(nowMs: number) {
    this.busyTime = new TimeIntegral(0, nowMs);
    this.capacityTime = new TimeIntegral(0, nowMs);
  }

  set(busy: number, capacity: number, nowMs: number): void {
    this.busyTime.set(busy, nowMs);
    this.capacityTime.set(capacity, nowMs);
  }

  /** The usage over the period [nowMs - periodMs, nowMs]; a zero-length period reports the instant. */
  take(nowMs: number, periodMs: number): Usage {
    const busyArea = this.busyTime.take(nowMs);
    const capacityArea = this.capacityTime.take(nowMs);
    if (periodMs <= 0) {
      const capacity = this.capacityTime.current;
      return { busyMean: this.busyTime.current, idle: capacity > 0 ? clamp01(1 - this.busyTime.current / capacity) : 1 };
    }
    return { busyMean: busyArea / periodMs, idle: capacityArea > 0 ? clamp01(1 - busyArea / capacityArea) : 1 };
  }
}
