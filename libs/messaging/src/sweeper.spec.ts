import { Sweeper } from './sweeper';

describe('Sweeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sweeps only while entries are left: armed by an entry, stopped by the sweep that leaves none', () => {
    const entries = new Set<string>();
    const sweeps: number[] = [];
    const sweeper = new Sweeper(() => {
      sweeps.push(entries.size);
      entries.delete('a');
      return entries.size;
    }, 25);
    expect(jest.getTimerCount()).toBe(0);

    entries.add('a').add('b');
    sweeper.arm();
    sweeper.arm(); // armed twice: still one timer
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(75);
    expect(sweeps).toEqual([2, 1, 1]); // 'b' stays
    expect(sweeper.running).toBe(true);

    entries.delete('b');
    jest.advanceTimersByTime(25);
    expect(sweeper.running).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(sweeps).toHaveLength(4);

    entries.add('a');
    sweeper.arm();
    jest.advanceTimersByTime(25);
    expect(sweeps).toEqual([2, 1, 1, 0, 1]);
    expect(sweeper.running).toBe(false);
  });

  it('stop() ends it at once', () => {
    const sweeper = new Sweeper(() => 1, 25);
    sweeper.arm();
    sweeper.stop();
    expect(jest.getTimerCount()).toBe(0);
    expect(sweeper.running).toBe(false);
  });
});
