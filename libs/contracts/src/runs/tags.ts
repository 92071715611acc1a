/**
 * Tags the enqueue worker writes on every clone it makes and the monitor reads back: the system
 * tag marks a task as started through ClearGate, the run tag names the run (and lets the worker
 * find a clone it made before being killed, so it never clones twice).
 */
export const CLEARGATE_TAG = 'cleargate';
const RUN_TAG_PREFIX = 'cleargate-run:';

export const runTag = (runId: string): string => `${RUN_TAG_PREFIX}${runId}`;

/** The run id of a task's tags, or null when it was not started through ClearGate. */
export function runIdOfTags(tags: readonly string[]): string | null {
  const tag = tags.find((t) => t.startsWith(RUN_TAG_PREFIX));
  return tag ? tag.slice(RUN_TAG_PREFIX.length) : null;
}
