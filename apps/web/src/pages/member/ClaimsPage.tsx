import { useLocation } from 'react-router-dom';
import { usePaged, usePolling } from '../../api/hooks';
import type { Claim } from '../../api/types';
import { PagedList } from '../../components/PagedList';
import { SuccessNotice } from '../../components/States';
import { CLAIM_STATUS_LABEL, formatDateTime } from '../../lib/format';

export function ClaimsPage() {
  const location = useLocation();
  const claimed = (location.state as { claimed?: string } | null)?.claimed;
  const claims = usePaged<Claim>('/me/claims');
  // Fulfillment happens in the background; follow pending claims until they settle (a reload keeps
  // every page "Load more" added).
  usePolling(claims.items.some((claim) => claim.status === 'pending'), claims.reload);

  return (
    <section>
      <h1>My claims</h1>
      <SuccessNotice>{claimed && `You claimed “${claimed}”. We are preparing it; this page updates by itself.`}</SuccessNotice>
      <PagedList list={claims} empty="You have not claimed any perks yet.">
        {(claim) => (
          <li key={claim.id} className="card claim" data-testid="claim">
            <div className="perk-head">
              <h2>{claim.perkTitle ?? 'Perk'}</h2>
              <span className={`badge badge-${claim.status}`}>{CLAIM_STATUS_LABEL[claim.status] ?? claim.status}</span>
            </div>
            <p className="muted">Claimed {formatDateTime(claim.createdAt)}</p>
            <Delivery claim={claim} />
          </li>
        )}
      </PagedList>
    </section>
  );
}

function Delivery({ claim }: { claim: Claim }) {
  const fulfillment = claim.fulfillment ?? {};
  if (claim.status === 'pending') return <p>Being prepared…</p>;
  if (claim.status === 'failed') return <p>We could not deliver this perk. Our team has been told and will retry or cancel it.</p>;
  if (claim.status === 'cancelled') return <p>This claim was cancelled; the unit went back to stock.</p>;
  if (claim.status !== 'fulfilled') return <p>Our team is reviewing this claim.</p>;
  return (
    <dl className="delivery">
      {fulfillment.code && (
        <>
          <dt>Your code</dt>
          <dd>
            <code data-testid="claim-code">{fulfillment.code}</code>
          </dd>
        </>
      )}
      {fulfillment.trackingNumber && (
        <>
          <dt>Tracking number</dt>
          <dd>
            <code>{fulfillment.trackingNumber}</code>
          </dd>
        </>
      )}
      {fulfillment.invitation && (
        <>
          <dt>Invitation</dt>
          <dd>
            <code>{fulfillment.invitation}</code>
          </dd>
        </>
      )}
      <dt>Delivered</dt>
      <dd>{formatDateTime(claim.fulfilledAt)}</dd>
    </dl>
  );
}
