import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction, usePaged } from '../../api/hooks';
import type { Claim } from '../../api/types';
import { PagedList } from '../../components/PagedList';
import { ErrorNotice } from '../../components/States';
import { formatDateTime } from '../../lib/format';

export function FailedClaimsPage() {
  const claims = usePaged<Claim>('/admin/claims?status=failed');
  const action = useAction();

  const act = async (id: string, verb: 'retry' | 'cancel') => {
    if (verb === 'cancel' && !window.confirm('Cancel this claim? Its unit goes back to stock and the member is told.')) return;
    await action.run(() => api(`/admin/claims/${id}/${verb}`, { method: 'POST' }));
    claims.reload();
  };

  return (
    <section>
      <h1>Failed claims</h1>
      <p className="lead">
        Claims whose fulfillment failed after every retry. Retry once the cause is fixed, or cancel to return the unit to stock. Live queues:{' '}
        <a href="/admin/queues" target="_blank" rel="noreferrer">
          queue dashboard ↗
        </a>
      </p>
      <ErrorNotice error={action.error} />
      <PagedList list={claims} empty="No failed claims. Fulfillment is healthy.">
        {(claim) => (
          <li key={claim.id} className="card" data-testid="failed-claim">
            <p>
              Claim <code>{claim.id.slice(0, 8)}</code> on <Link to={`/campaigns/${claim.campaignId}`}>campaign {claim.campaignId.slice(0, 8)}</Link>
            </p>
            <p className="muted">
              Claimed {formatDateTime(claim.createdAt)}
              {claim.failureReason ? ` · ${claim.failureReason}` : ''}
            </p>
            <div className="actions">
              <button type="button" onClick={() => act(claim.id, 'retry')} disabled={action.busy}>
                Retry
              </button>
              <button type="button" className="danger" onClick={() => act(claim.id, 'cancel')} disabled={action.busy}>
                Cancel claim
              </button>
            </div>
          </li>
        )}
      </PagedList>
    </section>
  );
}
