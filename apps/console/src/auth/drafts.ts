/**
 * Unsaved form values kept in this tab's sessionStorage, so that a login in the middle of
 * filling a form (an expired session) brings the user back to the form as they left it.
 */
const PREFIX = 'cleargate.draft:';
/** Set when the session ended under the user: the next form they come back to gets its draft back. */
const RETURNING = 'cleargate.drafts.returning';
/** A draft older than this is stale and thrown away. */
export const DRAFT_TTL_MS = 60 * 60 * 1000;

export interface DraftStore {
  load(key: string): Record<string, unknown> | undefined;
  save(key: string, values: Record<string, unknown>): void;
  clear(key: string): void;
  /** The session ended while the user was working: keep their drafts for when they are back. */
  markReturning(): void;
  /** Whether drafts are kept for a user coming back from a new login (and no more after this call). */
  takeReturning(): boolean;
  isReturning(): boolean;
}

export function draftStore(storage: Storage = window.sessionStorage, now: () => number = Date.now): DraftStore {
  return {
    load(key) {
      const raw = storage.getItem(PREFIX + key);
      if (!raw) return undefined;
      try {
        const { at, values } = JSON.parse(raw) as { at: number; values: Record<string, unknown> };
        if (now() - at <= DRAFT_TTL_MS) return values;
      } catch {
        /* not a draft of ours */
      }
      storage.removeItem(PREFIX + key);
      return undefined;
    },
    save(key, values) {
      try {
        storage.setItem(PREFIX + key, JSON.stringify({ at: now(), values }));
      } catch {
        // A full storage costs the draft, not the form.
      }
    },
    clear(key) {
      storage.removeItem(PREFIX + key);
    },
    markReturning() {
      storage.setItem(RETURNING, String(now()));
    },
    isReturning() {
      const at = Number(storage.getItem(RETURNING));
      return Number.isFinite(at) && at > 0 && now() - at <= DRAFT_TTL_MS;
    },
    takeReturning() {
      const returning = this.isReturning();
      storage.removeItem(RETURNING);
      return returning;
    },
  };
}
