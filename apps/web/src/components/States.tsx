import type { ReactNode } from 'react';
import type { Resource } from '../api/hooks';
import { describeError } from '../lib/errors';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** A short confirmation of what the last action did; nothing when there is none. */
export function SuccessNotice({ children, testId }: { children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <p className="state state-success" role="status" data-testid={testId}>
      {children}
    </p>
  );
}

export function ErrorNotice({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  return (
    <div className="state state-error" role="alert">
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" className="link-button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** Renders a resource's loading, error, empty and loaded states in one place. */
export function Async<T>({
  resource,
  empty,
  isEmpty,
  children,
}: {
  resource: Resource<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (resource.data === undefined) {
    if (resource.error) return <ErrorNotice error={resource.error} retry={resource.reload} />;
    return <Loading />;
  }
  return (
    <>
      {resource.error ? <ErrorNotice error={resource.error} retry={resource.reload} /> : null}
      {empty && isEmpty?.(resource.data) ? <Empty>{empty}</Empty> : children(resource.data)}
    </>
  );
}
