import { FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction, usePaged, useResource } from '../../api/hooks';
import type { AdminClaim, ClaimHold, Shipment } from '../../api/types';
import { Field } from '../../components/Field';
import { QueueDashboardLink } from '../../components/QueueDashboardLink';
import { PagedList } from '../../components/PagedList';
import { Async, ErrorNotice, SuccessNotice } from '../../components/States';
import { formatDateTime, PERK_KIND_LABEL } from '../../lib/format';
import { shortId } from '../../lib/ids';

type View = 'failed' | 'held' | 'ship';

const VIEWS: [View, string][] = [
  ['failed', 'Failed'],
  ['held', 'Held for review'],
  ['ship', 'Waiting to ship'],
];

/** The dead-letter view (failed claims: retry or cancel) and the manual shipping desk (physical claims waiting). */
export function FailedClaimsPage() {
  const [search, setSearch] = useSearchParams();
  const view: View = VIEWS.find(([key]) => key === search.get('view'))?.[0] ?? 'failed';
  return (
    <section>
      <h1>Claims</h1>
      <p className="lead">
        Live queues and jobs: <QueueDashboardLink label="queue dashboard ↗" />
      </p>
      <div className="tabs" role="group" aria-label="Which claims">
        {VIEWS.map(([key, label]) => (
          <button key={key} type="button" aria-pressed={view === key} className={view === key ? 'tab active' : 'tab'} onClick={() => setSearch({ view: key })}>
            {label}
          </button>
        ))}
      </div>
      {view === 'failed' ? <FailedClaims /> : view === 'held' ? <HeldClaims /> : <ShippingDesk />}
    </section>
  );
}

function ClaimSummary({ claim }: { claim: AdminClaim }) {
  return (
    <>
      <p>
        {PERK_KIND_LABEL[claim.perkKind]} claim <code>{shortId(claim.id)}</code> on <Link to={`/campaigns/${claim.campaignId}`}>campaign {shortId(claim.campaignId)}</Link>
      </p>
      <p className="muted">
        Claimed {formatDateTime(claim.createdAt)} · last change {formatDateTime(claim.updatedAt)}
        {claim.fulfillmentRound > 0 ? ` · retried ${claim.fulfillmentRound}×` : ''}
      </p>
    </>
  );
}

function FailedClaims() {
  const claims = usePaged<AdminClaim>('/admin/claims?status=failed');
  const action = useAction();
  const [done, setDone] = useState<string>();

  const act = async (id: string, verb: 'retry' | 'cancel') => {
    if (verb === 'cancel' && !window.confirm('Cancel this claim? Its unit goes back to stock and the member is told.')) return;
    setDone(undefined);
    const claim = await action.run(() => api<AdminClaim>(`/admin/claims/${id}/${verb}`, { method: 'POST' }), claims.reload);
    if (claim) setDone(verb === 'retry' ? `Claim ${shortId(id)} is being fulfilled again.` : `Claim ${shortId(id)} is cancelled; its unit is back in stock.`);
  };

  return (
    <>
      <p>Claims whose fulfillment failed after every retry. Retry once the cause is fixed, or cancel to return the unit to stock.</p>
      <ErrorNotice error={action.error} />
      <SuccessNotice>{done}</SuccessNotice>
      <PagedList list={claims} empty="No failed claims. Fulfillment is healthy.">
        {(claim) => (
          <li key={claim.id} className="card" data-testid="failed-claim">
            <ClaimSummary claim={claim} />
            {claim.failureReason && <p>Reason: {claim.failureReason}</p>}
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
    </>
  );
}

const HOLD_REASON: Record<string, (hold: ClaimHold) => string> = {
  shared_shipping_address: (hold) =>
    `The same shipping address was used by ${hold.otherAccounts} other ${hold.otherAccounts === 1 ? 'account' : 'accounts'} on this campaign.`,
};

/** Claims the abuse rules held back: release them to fulfillment, or cancel them. */
function HeldClaims() {
  const holds = usePaged<ClaimHold>('/admin/claim-holds');
  const action = useAction();
  const [done, setDone] = useState<string>();

  const act = async (hold: ClaimHold, verb: 'release' | 'cancel') => {
    if (verb === 'cancel' && !window.confirm('Cancel this claim? Its unit goes back to stock and the member is told.')) return;
    setDone(undefined);
    const path = verb === 'release' ? `/admin/claim-holds/${hold.claimId}/release` : `/admin/claims/${hold.claimId}/cancel`;
    const ok = await action.run(async () => {
      await api(path, { method: 'POST' });
      return true;
    }, holds.reload);
    if (ok) setDone(verb === 'release' ? `Claim ${shortId(hold.claimId)} is released to fulfillment.` : `Claim ${shortId(hold.claimId)} is cancelled.`);
  };

  return (
    <>
      <p>Claims held back by the abuse rules. Release a claim you trust to fulfillment, or cancel it.</p>
      <ErrorNotice error={action.error} />
      <SuccessNotice>{done}</SuccessNotice>
      <PagedList list={holds} empty="No claims are held for review.">
        {(hold) => (
          <li key={hold.claimId} className="card" data-testid="held-claim">
            <p>
              Claim <code>{shortId(hold.claimId)}</code> on <Link to={`/campaigns/${hold.campaignId}`}>campaign {shortId(hold.campaignId)}</Link>
            </p>
            <p>{HOLD_REASON[hold.reason]?.(hold) ?? hold.reason}</p>
            <p className="muted">Held since {formatDateTime(hold.createdAt)}</p>
            <div className="actions">
              <button type="button" className="primary" onClick={() => act(hold, 'release')} disabled={action.busy}>
                Release
              </button>
              <button type="button" className="danger" onClick={() => act(hold, 'cancel')} disabled={action.busy}>
                Cancel claim
              </button>
            </div>
          </li>
        )}
      </PagedList>
    </>
  );
}

function ShippingDesk() {
  const claims = usePaged<AdminClaim>('/admin/claims?status=pending', 100);
  // A claim held by the abuse rules has no shipment until an admin releases it (Held claims, above).
  const holds = usePaged<ClaimHold>('/admin/claim-holds', 100);
  const held = new Set(holds.items.map((hold) => hold.claimId));
  const physical = { ...claims, items: claims.items.filter((claim) => claim.perkKind === 'physical' && !held.has(claim.id)) };
  return (
    <>
      <p>Physical perks waiting for the manual shipping provider. Pack the parcel, then enter its tracking number: the member sees it at once.</p>
      <PagedList list={physical} empty="Nothing to ship.">
        {(claim) => (
          <li key={claim.id} className="card" data-testid="shipment">
            <ClaimSummary claim={claim} />
            <ShipForm claim={claim} onShipped={claims.reload} />
          </li>
        )}
      </PagedList>
    </>
  );
}

function ShipForm({ claim, onShipped }: { claim: AdminClaim; onShipped: () => Promise<void> }) {
  const shipment = useResource<Shipment>(`/admin/claims/${claim.id}/shipment`);
  const [trackingNumber, setTrackingNumber] = useState('');
  const [carrier, setCarrier] = useState('');
  const [error, setError] = useState<string>();
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!trackingNumber.trim()) return setError('Enter the tracking number from the carrier.');
    setError(undefined);
    await action.run(
      () => api(`/admin/claims/${claim.id}/ship`, { method: 'POST', body: { trackingNumber: trackingNumber.trim(), ...(carrier.trim() ? { carrier: carrier.trim() } : {}) } }),
      onShipped,
    );
  };

  return (
    <>
      <Async resource={shipment}>
        {(data) =>
          data.address ? (
            <address className="address">
              {data.address.name}
              <br />
              {data.address.line1}
              {data.address.line2 ? (
                <>
                  <br />
                  {data.address.line2}
                </>
              ) : null}
              <br />
              {data.address.postalCode} {data.address.city}, {data.address.country}
            </address>
          ) : (
            <p className="muted">The address has already been handed to the carrier ({data.provider}).</p>
          )
        }
      </Async>
      <form onSubmit={submit} noValidate aria-label={`Ship claim ${shortId(claim.id)}`} className="row">
        <Field label="Tracking number" error={error}>
          <input
            value={trackingNumber}
            onChange={(e) => {
              setTrackingNumber(e.target.value);
              setError(undefined);
            }}
          />
        </Field>
        <Field label="Carrier (optional)">
          <input value={carrier} onChange={(e) => setCarrier(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={action.busy}>
          Mark shipped
        </button>
      </form>
      <ErrorNotice error={action.error} />
    </>
  );
}
