import { ClearmlTask } from '@cleargate/clearml';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { changeKey, PollState, StateStore } from './state-store';

/**
 * Walks every task whose status changed since the cursor, page by page, in the server's order
 * (status_changed, then id). Keyset paging rather than page numbers: a task whose status
 * changes again while we page moves to the end instead of shifting the pages under us. Each
 * page is handed over and the state saved only after the handler finished with it, so a crash
 * repeats at most one page (whose events carry deterministic ids and are deduplicated).
 */
export class TaskPoller {
  constructor(
    private readonly clearml: ClearmlAdapter,
    private readonly store: StateStore,
    private readonly pageSize: number,
  ) {}

  async poll(state: PollState, handle: (tasks: ClearmlTask[]) => Promise<void>): Promise<PollState> {
    let cursor = state.cursor;
    let boundary = new Set(state.boundary);
    let page = 0;
    for (;;) {
      const tasks = await this.clearml.changesSince(cursor, page, this.pageSize);
      if (!tasks.length) break;
      const fresh = tasks.filter((t) => t.status_changed && !boundary.has(keyOf(t)));
      if (fresh.length) await handle(fresh);
      const lastTs = tasks[tasks.length - 1]!.status_changed as string;
      if (lastTs === cursor) {
        // A whole page at one timestamp: keep the cursor and page within it.
        for (const t of tasks) boundary.add(keyOf(t));
        page++;
      } else {
        cursor = lastTs;
        boundary = new Set(tasks.filter((t) => t.status_changed === lastTs).map(keyOf));
        page = 0;
      }
      state = { cursor, boundary: [...boundary] };
      await this.store.save(state);
      if (tasks.length < this.pageSize) break;
    }
    return state;
  }
}

function keyOf(task: ClearmlTask): string {
  return changeKey(task.id, String(task.status), String(task.status_changed));
}
