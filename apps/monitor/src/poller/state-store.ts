import { KvConflictError, KvStore, NatsService } from '@cleargate/messaging';

/**
 * Where the monitor is in ClearML's history: the cursor is the server's `status_changed` of
 * the last change handled, `boundary` the changes seen at exactly that timestamp (a later poll
 * asks for `>= cursor` and skips them). Kept in JetStream KV so a restarted or new leader
 * resumes where the last one stopped; written with compare-and-set so a deposed leader cannot
 * overwrite its successor's progress.
 */
export interface PollState {
  cursor: string;
  boundary: string[];
}

export class StateConflict extends Error {
  constructor() {
    super('the monitor state was written by another leader');
    this.name = 'StateConflict';
  }
}

export class StateStore {
  private revision = 0;

  private constructor(private readonly kv: KvStore) {}

  static async open(nats: NatsService, bucket: string): Promise<StateStore> {
    return new StateStore(await KvStore.open(nats, bucket, { history: 1, description: "The monitor's position in ClearML's history" }));
  }

  async load(): Promise<PollState | null> {
    const entry = await this.kv.get('cursor');
    if (!entry || !entry.value.length) {
      this.revision = entry?.revision ?? 0;
      return null;
    }
    this.revision = entry.revision;
    return JSON.parse(new TextDecoder().decode(entry.value)) as PollState;
  }

  async save(state: PollState): Promise<void> {
    const value = JSON.stringify(state);
    try {
      this.revision = this.revision ? await this.kv.update('cursor', value, this.revision) : await this.kv.create('cursor', value);
    } catch (err) {
      throw err instanceof KvConflictError ? new StateConflict() : err;
    }
  }
}

export const changeKey = (id: string, status: string, statusChanged: string) => `${id}|${status}|${statusChanged}`;
