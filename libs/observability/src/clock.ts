import { Inject } from '@nestjs/common';

/** The local clock, injected where behaviour depends on elapsed time, so tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const CLOCK = Symbol('CLOCK');
/** Injects the service's clock (the system clock unless the runtime was given another). */
export const InjectClock = () => Inject(CLOCK);
