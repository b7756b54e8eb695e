import type { PrefetchTask } from "../domain/prefetch-task";
import type { ListPage } from "../providers/provider";
import { filledKeys } from "./feed-order";
import { markBytes, type PageMarks } from "./merge-cursor";
import { HELD_PAGES, marksToKeep } from "./sub-window-policy";

/** Where a provider page of a sub-window starts: its token (page 1: null) and the key its rows start from. */
export interface PageMark {
  readonly token: string | null;
  readonly floor: number;
}

/**
 * The pages of one walked sub-window (an oldest-first listing read from its first page on): the mark of every
 * page whose token is known, and the rows of at most HELD_PAGES of them, the newest read. Page 1's mark is
 * always known: no token, its floor the sub-window's start.
 */
export class WalkedPages {
  private readonly marks: (PageMark | undefined)[];
  private readonly held = new Map<number, readonly PrefetchTask[]>();

  constructor(start: number, carried: PageMarks = { pages: [], tokens: [], floors: [] }) {
    this.marks = [undefined, { token: null, floor: start }];
    carried.pages.forEach((page, i) => {
      this.marks[page] = { token: carried.tokens[i] as string, floor: carried.floors[i] as number };
    });
  }

  mark(page: number): PageMark | undefined {
    return this.marks[page];
  }

  /** The highest page up to `page` whose mark is known (1 at least): where a walk to `page` starts. */
  walkFrom(page: number): number {
    let q = page;
    while (this.marks[q] === undefined) q--;
    return q;
  }

  rows(page: number): readonly PrefetchTask[] | undefined {
    return this.held.get(page);
  }

  drop(page: number): void {
    this.held.delete(page);
  }

  /**
   * Keeps page p's rows (dropping the oldest held beyond HELD_PAGES) and the mark of the page after it, whose
   * floor is the key of p's last row; the keys of p's rows, in listing order.
   */
  record(p: number, page: ListPage): number[] {
    const floor = (this.marks[p] as PageMark).floor;
    const keys = filledKeys(page.tasks, floor);
    this.held.set(p, page.tasks);
    this.held.delete(p - HELD_PAGES);
    if (page.nextPageToken !== null) {
      this.marks[p + 1] = {
        token: page.nextPageToken,
        floor: Math.max(floor, keys[keys.length - 1] ?? floor),
      };
    }
    return keys;
  }

  /**
   * The marks a cursor at `page` carries within `budget` bytes (sub-window-policy.ts, marksToKeep): of the pages
   * before it too where pages are handed out from the last (`back`), else of that page alone.
   */
  forCursor(page: number, budget: number, back: boolean): PageMarks {
    const known: { page: number; bytes: number }[] = [];
    for (let p = page; p >= (back ? 2 : page); p--) {
      const token = this.marks[p]?.token;
      if (token) known.push({ page: p, bytes: markBytes(token) });
    }
    const pages = marksToKeep(known, budget);
    return {
      pages,
      tokens: pages.map((p) => (this.marks[p] as PageMark).token as string),
      floors: pages.map((p) => (this.marks[p] as PageMark).floor),
    };
  }
}
