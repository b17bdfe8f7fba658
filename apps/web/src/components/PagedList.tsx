import type { ReactNode } from 'react';
import type { PagedResource } from '../api/hooks';
import { Empty, ErrorNotice, Loading } from './States';

/** A paged list with its loading, error, empty and "load more" states. */
export function PagedList<T>({
  list,
  empty,
  children,
  className = 'list',
}: {
  list: PagedResource<T>;
  empty: ReactNode;
  children: (item: T) => ReactNode;
  className?: string;
}) {
  if (!list.loaded) return list.error ? <ErrorNotice error={list.error} retry={list.reload} /> : <Loading />;
  return (
    <>
      <ErrorNotice error={list.error} retry={list.reload} />
      {list.items.length === 0 ? <Empty>{empty}</Empty> : <ul className={className}>{list.items.map(children)}</ul>}
      {list.hasMore && (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          {list.loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
