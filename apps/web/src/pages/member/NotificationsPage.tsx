import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction, usePaged } from '../../api/hooks';
import type { Notification } from '../../api/types';
import { PagedList } from '../../components/PagedList';
import { ErrorNotice } from '../../components/States';
import { formatDateTime } from '../../lib/format';

export function NotificationsPage() {
  const notifications = usePaged<Notification>('/me/notifications');
  const action = useAction();

  const markRead = async (id: string) => {
    await action.run(() => api(`/me/notifications/${id}/read`, { method: 'POST' }), notifications.reload);
  };

  const markAllRead = async () => {
    await action.run(() => api('/me/notifications/read-all', { method: 'POST' }), notifications.reload);
  };

  return (
    <section>
      <div className="page-head">
        <h1>Notifications</h1>
        {notifications.items.some((notification) => !notification.readAt) && (
          <button type="button" onClick={markAllRead} disabled={action.busy}>
            Mark all as read
          </button>
        )}
      </div>
      <ErrorNotice error={action.error} />
      <PagedList list={notifications} empty="Nothing new. We will tell you here when a brand offers you a perk.">
        {(notification) => {
          const campaignId = typeof notification.data?.campaignId === 'string' ? notification.data.campaignId : undefined;
          return (
            <li key={notification.id} className={`card notification${notification.readAt ? '' : ' unread'}`} data-testid="notification">
              <p>
                {!notification.readAt && <span className="visually-hidden">Unread: </span>}
                <strong>{notification.title}</strong>
              </p>
              <p className="muted">{formatDateTime(notification.createdAt)}</p>
              <div className="actions">
                {campaignId && <Link to={`/perks/${campaignId}`}>See the perk</Link>}
                {!notification.readAt && (
                  <button type="button" onClick={() => markRead(notification.id)} disabled={action.busy}>
                    Mark as read
                  </button>
                )}
              </div>
            </li>
          );
        }}
      </PagedList>
    </section>
  );
}
