// Places on the pool for requests' tasks: at most `size` at once, the others wait here, first
// come first served. Handed an abortable task while every worker is busy, piscina parks it where
// a task that comes later, to a worker just freed, can pass it, again and again (seconds, under
// load); given only when a worker is free, a task starts at once.

export class Places {
  private taken = 0;
  /** the requests waiting for a place, in arrival order */
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves when a place is this caller's; rejects with the signal's reason if it aborts first. */
  take(signal: AbortSignal | undefined): Promise<void> {
    if (this.taken < this.size && this.waiting.length === 0) {
      this.taken++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        const at = this.waiting.indexOf(go);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(go);
    });
  }

  /** Gives a place back: to the caller that has waited longest, if any. */
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.taken--;
  }
}
