/**
 * A periodic sweep that runs only while there is something to sweep: `arm()` when an entry is
 * added starts it, and it stops itself after a sweep that leaves nothing behind. A service with
 * no request or stream under way wakes for none of these timers.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;

  /** `sweep` returns how many entries are left after it. */
  constructor(
    private readonly sweep: () => number,
    private readonly everyMs: number,
  ) {}

  /** An entry was added: sweep every `everyMs` from now on, if not already. */
  arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.sweep() === 0) this.stop();
    }, this.everyMs);
    this.timer.unref();
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
