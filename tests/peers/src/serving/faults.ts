/** What the serving machine does instead of (or before) answering normally. */
export type Fault = (
  { kind: 'delay'; ms: number } | { kind: 'status'; status: number; body?: unknown } | { kind: 'hang' } | { kind: 'reset' }
) & {
  /** apply to the next N matching requests only; absent = until cleared */
  times?: number;
};

interface Armed {
  fault: Fault;
  remaining: number;
}

/**
 * Faults per endpoint (a clearml-serving endpoint url or a Triton model name) plus a wildcard `*`
 * that matches every request except the peer's own control routes. A specific fault wins over `*`.
 */
export class FaultTable {
  private readonly byEndpoint = new Map<string, Armed>();
  private count = 0;

  set(endpoint: string, fault: Fault | null): void {
    if (fault === null) {
      if (this.byEndpoint.delete(endpoint)) this.count--;
      return;
    }
    validateFault(fault);
    if (!this.byEndpoint.has(endpoint)) this.count++;
    this.byEndpoint.set(endpoint, { fault: { ...fault }, remaining: fault.times ?? Infinity });
  }

  clear(): void {
    this.byEndpoint.clear();
    this.count = 0;
  }

  /** The fault to apply to this request, consuming one of its `times`. */
  take(endpoint: string | undefined): Fault | undefined {
    if (this.count === 0) return undefined;
    const key = endpoint !== undefined && this.byEndpoint.has(endpoint) ? endpoint : this.byEndpoint.has('*') ? '*' : undefined;
    if (key === undefined) return undefined;
    const armed = this.byEndpoint.get(key)!;
    if (--armed.remaining <= 0) {
      this.byEndpoint.delete(key);
      this.count--;
    }
    return armed.fault;
  }

  list(): Record<string, Fault & { remaining: number | null }> {
    const out: Record<string, Fault & { remaining: number | null }> = {};
    for (const [k, v] of this.byEndpoint) {
      out[k] = { ...v.fault, remaining: Number.isFinite(v.remaining) ? v.remaining : null };
    }
    return out;
  }
}

export function validateFault(f: Fault): void {
  const bad = (why: string): never => {
    throw new TypeError(`invalid fault: ${why}`);
  };
  if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) bad('times must be a positive integer');
  switch (f.kind) {
    case 'delay':
      if (typeof f.ms !== 'number' || !Number.isFinite(f.ms) || f.ms < 0) bad('delay needs ms >= 0');
      return;
    case 'status':
      if (!Number.isInteger(f.status) || f.status < 200 || f.status > 599) bad('status must be an HTTP status 200-599');
      return;
    case 'hang':
    case 'reset':
      return;
    default:
      bad(`unknown kind ${String((f as { kind: unknown }).kind)}`);
  }
}
