import { randomBytes } from 'node:crypto';
import type { Alert } from '@cleargate/contracts';

/** A failed-task alert as the monitor raises it; `overrides` replace top-level and task fields. */
export function failedTaskAlert(overrides: Omit<Partial<Alert>, 'task'> & { task?: Partial<NonNullable<Alert['task']>> } = {}): Alert {
  const id = randomBytes(16).toString('hex');
  const name = `train_mnist_${id.slice(0, 6)}`;
  const { task, ...rest } = overrides;
  return {
    alert_id: `task_status:${id}:failed`,
    kind: 'task_status',
    severity: 'critical',
    title: `Task ${task?.name ?? name} failed`,
    at: '2025-07-11T14:06:49.000Z',
    task: {
      id,
      name,
      status: 'failed',
      project: 'Snap4City/traffic',
      queue: 'gpu',
      user: 'alice',
      status_reason: 'Script error: exit code 1',
      log_url: `https://app.clear.ml/projects/*/experiments/${id}/output/log`,
      run_id: null,
      running_seconds: null,
      ...task,
    },
    console_lines: ['Epoch 3/10 loss=0.42', 'Traceback (most recent call last):', 'RuntimeError: CUDA out of memory'],
    details: null,
    labels: {},
    links: [],
    ...rest,
  };
}

export const NASTY = ' <b>&amp; *star* _under_ ~strike~ `tick` ``` [x](http://e.x) @channel | \\ # émoji 🚀';

/** `count` console lines full of characters every markup treats specially: `line <i>` then NASTY `repeat` times. */
export function nastyConsole(count: number, repeat = 1): string[] {
  return Array.from({ length: count }, (_, i) => `line ${i}${NASTY.repeat(repeat)}`);
}
