import type { ChatChannel, ChatFault, SmtpPhase } from './types';

interface Queued {
  fault: ChatFault;
  left: number;
}

/** Injected failures: a queue of "fail the next N requests" per channel, and outage windows. */
export class FaultBook {
  private readonly queues = new Map<ChatChannel, Queued[]>();
  private readonly downUntil = new Map<ChatChannel, number>();

  constructor(private readonly now: () => number = Date.now) {}

  failNext(channel: ChatChannel, fault: ChatFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${String(fault.times)}`);
    if ('status' in fault && ![429, 500, 503].includes(fault.status)) throw new Error(`unsupported fault status ${String(fault.status)}`);
    if ('smtpCode' in fault) {
      if (channel !== 'email') throw new Error('smtpCode faults apply to the email channel only');
      if (!Number.isInteger(fault.smtpCode) || fault.smtpCode < 400 || fault.smtpCode > 599)
        throw new Error(`smtpCode must be 4xx or 5xx, got ${fault.smtpCode}`);
    }
    const queue = this.queues.get(channel) ?? [];
    queue.push({ fault, left: times });
    this.queues.set(channel, queue);
  }

  /** Uses up one occurrence of the next fault for the channel, if there is one (for mail: one for this phase). */
  take(channel: ChatChannel, phase?: SmtpPhase): ChatFault | undefined {
    const queue = this.queues.get(channel);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (phase !== undefined && phaseOf(head.fault) !== phase) return undefined;
    head.left -= 1;
    if (head.left === 0) queue.shift();
    return head.fault;
  }

  pending(channel: ChatChannel): number {
    return (this.queues.get(channel) ?? []).reduce((n, q) => n + q.left, 0);
  }

  down(channel: ChatChannel, ms: number): void {
    if (!(ms > 0)) throw new Error(`down() needs a positive duration, got ${ms}`);
    this.downUntil.set(channel, this.now() + ms);
  }

  up(channel: ChatChannel): void {
    this.downUntil.delete(channel);
  }

  isDown(channel: ChatChannel): boolean {
    const until = this.downUntil.get(channel);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.downUntil.delete(channel);
    return false;
  }

  clear(): void {
    this.queues.clear();
    this.downUntil.clear();
  }
}

export function phaseOf(fault: ChatFault): SmtpPhase {
  return 'smtpCode' in fault ? (fault.phase ?? 'mail') : 'mail';
}

/** The SMTP reply an HTTP-style fault stands for on the mail channel. */
export function smtpReplyFor(fault: ChatFault): { code: number; message: string } {
  if ('smtpCode' in fault) return { code: fault.smtpCode, message: fault.message ?? defaultSmtpText(fault.smtpCode) };
  switch (fault.status) {
    case 429:
      return { code: 451, message: '4.7.1 Rate limit exceeded, try again later' };
    case 500:
      return { code: 451, message: '4.3.0 Local error in processing, try again later' };
    case 503:
      return { code: 421, message: '4.3.2 Service not available, closing transmission channel' };
  }
}

function defaultSmtpText(code: number): string {
  const known: Record<number, string> = {
    421: '4.3.2 Service not available, closing transmission channel',
    450: '4.2.1 Mailbox temporarily unavailable',
    451: '4.3.0 Local error in processing',
    452: '4.3.1 Insufficient system storage',
    550: '5.1.1 Mailbox unavailable',
    552: '5.3.4 Message size exceeds fixed limit',
    554: '5.7.1 Transaction failed',
  };
  return known[code] ?? (code < 500 ? 'Temporary failure' : 'Permanent failure');
}
