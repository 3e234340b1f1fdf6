import { concatMap, defer, EMPTY, expand, filter, merge, of, tap, type Observable } from 'rxjs';

/**
 * Reads everything after `after`, then reads again on every wake-up, emitting each non-empty
 * batch once, in order, with no gaps and no repeats.
 *
 * ```
 * wakeups:  ----w--------w---
 * reads:    a-b|   c|    |
 * result:   a-b-----c--------
 * ```
 *
 * A wake-up that arrives while a read is running is queued, never dropped: it may announce an
 * append committed after that read's last query. For the same reason the wake-ups are
 * subscribed before the first read.
 *
 * @param wakeups notifications that the log may have grown (their values are ignored)
 * @param readAfter reads one page of items with `seq` greater than its argument
 * @param after the seq already seen (0 = from the start)
 */
export function followLog<T extends { readonly seq: number }>(
  wakeups: Observable<unknown>,
  readAfter: (after: number) => Observable<readonly T[]>,
  after: number,
): Observable<readonly T[]> {
  return defer(() => {
    let last = after;
    const drain = () =>
      defer(() => readAfter(last)).pipe(
        expand((page) => (page.length === 0 ? EMPTY : readAfter(page[page.length - 1]!.seq))),
        filter((page) => page.length > 0),
        tap((page) => (last = page[page.length - 1]!.seq)),
      );
    // Wake-ups are listened to before the first read: an append landing between that read and
    // the subscription would otherwise never be announced.
    return merge(wakeups, of(null)).pipe(concatMap(drain));
  });
}
