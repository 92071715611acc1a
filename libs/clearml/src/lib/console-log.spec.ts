import { lastConsoleLines } from './console-log';

describe('lastConsoleLines', () => {
  it('splits multi-line events and returns the last lines oldest first', () => {
    // Newest first, as events.get_task_log returns by default.
    const events = [
      { timestamp: 3000, msg: 'epoch 3\nTraceback (most recent call last):\nValueError: boom\n' },
      { timestamp: 2000, msg: 'epoch 2' },
      { timestamp: 1000, msg: 'start\r\nepoch 1' },
    ];
    expect(lastConsoleLines(events, 4)).toEqual(['epoch 2', 'epoch 3', 'Traceback (most recent call last):', 'ValueError: boom']);
    expect(lastConsoleLines(events, 100)).toEqual([
      'start',
      'epoch 1',
      'epoch 2',
      'epoch 3',
      'Traceback (most recent call last):',
      'ValueError: boom',
    ]);
  });

  it('keeps the given order for equal timestamps and skips events without a message', () => {
    const events = [{ timestamp: 5, msg: 'a' }, { timestamp: 5 }, { timestamp: 5, msg: 'b\n\nc' }];
    expect(lastConsoleLines(events, 10)).toEqual(['a', 'b', '', 'c']);
  });

  it('returns nothing for n <= 0', () => {
    expect(lastConsoleLines([{ timestamp: 1, msg: 'x' }], 0)).toEqual([]);
  });
});
