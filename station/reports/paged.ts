/**
 * Reads a query a page at a time by keyset (WHERE key > last key), never by OFFSET, so each
 * page costs the same and only one page is in memory.
 */
export async function* paged<R>(
  fetchPage: (after: R | null, limit: number) => Promise<R[]>,
  pageSize = 500,
): AsyncGenerator<R> {
  let after: R | null = null;
  for (;;) {
    const page = await fetchPage(after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1] as R;
  }
}
