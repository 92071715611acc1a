/** One page of a cursor-paginated list, as every list of the API answers. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export type FetchPage<T> = (cursor: string | undefined, limit: number) => Promise<CursorPage<T>>;

/** The API's largest page. */
export const MAX_PAGE = 500;

/**
 * The API pages with opaque cursors (keyset pagination: stable while rows are added); the UI
 * pages by number. The cursor that starts each page is remembered per list (its filters, order
 * and page size), so that going to page n costs one request when page n − 1 was seen, and a
 * jump ahead walks the pages in between. Without a total, the UI asks whether there is a next
 * page, which the cursor says.
 */
export class CursorPages {
  /** Per list: `starts[i]` is the cursor of page i + 1 (undefined for the first page). */
  private readonly lists = new Map<string, (string | undefined)[]>();

  constructor(private readonly maxLists = 200) {}

  async page<T>(list: string, page: number, perPage: number, fetchPage: FetchPage<T>): Promise<{ items: T[]; hasNextPage: boolean }> {
    if (!Number.isInteger(page) || page < 1) throw new Error(`page must be a positive integer, got ${page}`);
    let starts = this.lists.get(list);
    if (!starts) {
      starts = [undefined];
      this.remember(list, starts);
    }
    // Walk from the last page whose start is known up to the one asked for.
    for (let known = Math.min(starts.length, page); ; known++) {
      const result = await fetchPage(starts[known - 1], perPage);
      if (result.next_cursor !== null) starts[known] = result.next_cursor;
      else starts.length = known;
      if (known === page) return { items: result.items, hasNextPage: result.next_cursor !== null };
      // The list ended before the page asked for: that page is empty.
      if (result.next_cursor === null) return { items: [], hasNextPage: false };
    }
  }

  /** Forgets every list (after a change, so that pages are not started from cursors of another state). */
  clear(): void {
    this.lists.clear();
  }

  private remember(list: string, starts: (string | undefined)[]): void {
    if (this.lists.size >= this.maxLists) this.lists.delete(this.lists.keys().next().value!);
    this.lists.set(list, starts);
  }
}

/**
 * Up to `max` items of a list, following cursors in pages of at most MAX_PAGE (what the API
 * allows): for an export of more rows than one page holds.
 */
export async function collect<T>(fetchPage: FetchPage<T>, max: number): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor, Math.min(MAX_PAGE, max - items.length));
    items.push(...page.items);
    if (page.next_cursor === null) return { items, complete: true };
    if (items.length >= max) return { items, complete: false };
    cursor = page.next_cursor;
  }
}
