/**
 * How the merged feed reads a source that lists oldest first, or whose order is not known yet: the newest rows of
 * a window come last in such a listing, so the feed walks the window from its newest end back in bounded
 * sub-windows, each listed from its first page and handed out from its last. These pure functions size the
 * sub-windows and decide what a first page that is not the last means; src/pagination/sub-window-reader.ts
 * applies them. All spans are whole seconds, as provider windows are.
 *
 * - The first sub-window is the newest INITIAL_SPAN_SECONDS of the window; each next one is sized from the
 *   density of the one before (nextSpan): three quarters of a provider page, at most GROWTH times longer or
 *   shorter (GROWTH times longer after an empty one), never longer than the provider's longest window.
 * - A sub-window whose first page is not its last: an oldest-first listing's first page holds every row before
 *   its last row's second, so it shows the sub-window's density. Where the rest would take more than
 *   WALK_AHEAD_PAGES pages at that density, the sub-window is narrowed to the part near its end that should fit
 *   (afterFirstPage): that first call was spent learning the density. Otherwise, and always where the first page
 *   is all one second (one submission's records share their createdAt: a burst), the sub-window is read on to
 *   its last page ("walked"), every page of it a page the feed hands out.
 * - A walked sub-window is handed out from its last page back to its first. Its page tokens go into the cursor
 *   where they fit (merge-cursor.ts, tokenBudget), so a resumed page calls only for the provider page it
 *   returns; where they do not, it walks again from the sub-window's first page (or the nearest page whose token
 *   it has). At most HELD_PAGES pages of a walk are kept in memory; a walk of more pages keeps the newest and
 *   their tokens, and reads the others again when it gets to them.
 *
 * Worst case per sub-window: 1 call where it fits a page; 2 where its first page shows it too dense (then 1 per
 * narrower sub-window); ⌈n / page size⌉ for a walk of n rows (a burst: the only way to its newest rows), at most
 * MAX_WALK_PAGES; a resumed page inside a walked sub-window 1 call per provider page it returns, plus the walk
 * to its page where the cursor could not hold that page's token.
 */

export const INITIAL_SPAN_SECONDS = 3600;
export const GROWTH = 8;
/** A sub-window whose rest looks longer than this many pages is narrowed rather than walked. */
export const WALK_AHEAD_PAGES = 2;
/** Pages of one walk kept in memory per source. 10 Baidu pages: one submission of 1,000 URLs. */
export const HELD_PAGES = 10;
/**
 * Pages of one sub-window a walk reads before giving up: a provider cycling its page tokens would otherwise
 * be read forever. 1,000 Baidu pages: 100 submissions of 1,000 URLs within one sub-window.
 */
export const MAX_WALK_PAGES = 1_000;

/** The rows a sub-window aims at: three quarters of a provider page. */
export function targetRows(pageSize: number): number {
  return Math.max(1, Math.floor((pageSize * 3) / 4));
}

/**
 * The rows of a sub-window that say how dense the seconds around it are: all of them but the largest group
 * created in one second, which counts as one (a burst says nothing of the seconds beside it).
 */
export function densityRows(rows: number, largestSecond: number): number {
  return rows === 0 ? 0 : rows - largestSecond + 1;
}

/** The largest number of rows created in the same second, of rows whose seconds are `keys` (in any order). */
export function largestSecond(keys: readonly number[]): number {
  const count = new Map<number, number>();
  let largest = 0;
  for (const key of keys) {
    const n = (count.get(key) ?? 0) + 1;
    count.set(key, n);
    largest = Math.max(largest, n);
  }
  return largest;
}

/** The span of the sub-window after one of `span` seconds whose density rows (densityRows) were `rows`. */
export function nextSpan(span: number, rows: number, pageSize: number, maxSpan: number): number {
  const target = targetRows(pageSize);
  const factor = rows === 0 ? GROWTH : Math.min(GROWTH, Math.max(1 / GROWTH, target / rows));
  return Math.max(1, Math.min(maxSpan, Math.floor(span * factor)));
}

/**
 * What a sub-window [start, end] whose first page is not its last should do, the page (oldest first) holding
 * rows from createdAt second `firstKey` to `lastKey`: walk on to its last page, or become [narrowTo, end].
 */
export function afterFirstPage(
  end: number,
  firstKey: number,
  lastKey: number,
  pageSize: number,
): { readonly walk: true } | { readonly walk: false; readonly narrowTo: number } {
  if (firstKey >= lastKey) return { walk: true };
  // The seconds the page's rows span: where a sub-window's first rows start late, the part before them is
  // empty, and says nothing of the part after.
  const seen = lastKey - firstKey + 1;
  // A page of rows over `seen` seconds: the seconds after lastKey hold about (end - lastKey) / seen pages.
  if (end - lastKey <= WALK_AHEAD_PAGES * seen) return { walk: true };
  const span = Math.max(1, Math.floor((seen * targetRows(pageSize)) / pageSize));
  const narrowTo = end - span + 1;
  return narrowTo > lastKey ? { walk: false, narrowTo } : { walk: true };
}

/**
 * The sub-window [start, end] that ends the second before `before` and spans `span` seconds, cut at the window's
 * first second; null where nothing of the window is left.
 */
export function subWindowBefore(
  before: number,
  span: number,
  windowStart: number,
): { start: number; end: number } | null {
  const end = before - 1;
  if (end < windowStart) return null;
  return { start: Math.max(windowStart, end - span + 1), end };
}

/**
 * The page marks (page tokens) a cursor keeps of a walked sub-window, `known` listing the pages whose tokens the
 * reader has, nearest the page in hand first, with the bytes each takes: those nearest it (each the next page a
 * later page of the feed reads) for up to half of `budget`, then marks spread evenly below them, for a walk to
 * start from rather than from the sub-window's first page, while they fit. Pages in increasing order.
 */
export function marksToKeep(known: readonly { page: number; bytes: number }[], budget: number): number[] {
  const kept: number[] = [];
  let left = budget;
  const keep = (mark: { page: number; bytes: number }): boolean => {
    if (mark.bytes > left) return false;
    left -= mark.bytes;
    kept.push(mark.page);
    return true;
  };
  let near = 0;
  while (near < known.length && left > budget / 2 && keep(known[near] as { page: number; bytes: number }))
    near++;
  const below = known.slice(near);
  if (below.length > 0) {
    // About as many as the rest of the budget holds: a listing's marks are about the same size.
    const fit = Math.min(below.length, Math.floor(left / (below[0] as { bytes: number }).bytes));
    for (let k = 0; k < fit; k++)
      keep(below[Math.floor(((k + 1) * below.length) / (fit + 1))] as { page: number; bytes: number });
  }
  return kept.sort((a, b) => a - b);
}
