import { useState } from 'react';
import { api } from '../api/client';
import { describeError } from '../lib/errors';

/**
 * Opens the queue dashboard (bull-board at /admin/queues) in a new tab. A plain link cannot carry
 * the bearer token, so it first asks the API for a short-lived dashboard session (a cookie plus a
 * ticket link) and then points the new tab at it.
 */
export function QueueDashboardLink({ label = 'Queues ↗', className }: { label?: string; className?: string }) {
  const [error, setError] = useState<unknown>();

  const open = async () => {
    setError(undefined);
    // Opened before the request so the popup blocker sees the click.
    const tab = window.open('about:blank', '_blank');
    try {
      const session = await api<{ url: string }>('/admin/queue-dashboard/session', { method: 'POST' });
      if (tab) tab.location.href = session.url;
      else window.location.assign(session.url);
    } catch (caught) {
      tab?.close();
      setError(caught);
    }
  };

  return (
    <>
      <button type="button" className={`link-button ${className ?? ''}`} onClick={open}>
        {label}
      </button>
      {error ? (
        <span role="alert" className="inline-error">
          {describeError(error)}
        </span>
      ) : null}
    </>
  );
}
