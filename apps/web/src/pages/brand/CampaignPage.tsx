import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction, usePolling, useResource } from '../../api/hooks';
import type { Campaign, Funding } from '../../api/types';
import { ReviewActions } from '../../components/ReviewActions';
import { Async, ErrorNotice } from '../../components/States';
import { describeRules } from '../../lib/eligibility';
import { CAMPAIGN_STATUS_LABEL, formatDate, formatMoney, PERK_KIND_LABEL } from '../../lib/format';
import { useSession } from '../../session';
import { CampaignDashboard } from './CampaignDashboard';
import { InventoryPanel } from './InventoryPanel';
import { LedgerPanel } from './LedgerPanel';

type Verb = 'launch' | 'pause' | 'resume' | 'end';

const VERBS: { verb: Verb; label: string; when: Campaign['status'][]; confirm?: string }[] = [
  { verb: 'launch', label: 'Launch', when: ['funded'] },
  { verb: 'pause', label: 'Pause', when: ['active', 'sold_out'] },
  { verb: 'resume', label: 'Resume', when: ['paused'] },
  {
    verb: 'end',
    label: 'End campaign',
    when: ['scheduled', 'active', 'paused', 'sold_out'],
    confirm: 'End this campaign now? Members can no longer claim, and unused units are refunded.',
  },
];

export function CampaignPage() {
  const { id = '' } = useParams();
  const { me } = useSession();
  const campaign = useResource<Campaign>(`/campaigns/${id}`);
  const admin = me?.role === 'admin';
  // Bumped when stock changes, so the header and the results follow the inventory panel.
  const [version, setVersion] = useState(0);
  const stockChanged = () => {
    setVersion((v) => v + 1);
    return campaign.reload();
  };

  return (
    <section>
      <p>
        <Link to="/campaigns">← Campaigns</Link>
      </p>
      <Async resource={campaign}>
        {(data) => (
          <>
            <div className="page-head">
              <h1>{data.name}</h1>
              <span className={`badge badge-${data.status}`} data-testid="campaign-status">
                {CAMPAIGN_STATUS_LABEL[data.status] ?? data.status}
              </span>
            </div>
            <p className="muted">
              {data.perk.title} · {PERK_KIND_LABEL[data.perk.kind]} · {data.totalUnits} units at {formatMoney(data.perk.unitCostCents)} · {data.perMemberLimit} per member ·{' '}
              {data.startsAt ? `starts ${formatDate(data.startsAt)}, ` : ''}ends {formatDate(data.endsAt)}
            </p>
            {data.description && <p>{data.description}</p>}
            <p className="muted">Who qualifies: {describeRules(data.eligibility)}</p>
            <Review campaign={data} />
            {admin && data.reviewStatus === 'pending' && <ReviewActions campaign={data} onDone={campaign.reload} />}
            {!admin && <BrandActions campaign={data} reload={campaign.reload} />}
            <div className="panels">
              <CampaignDashboard campaignId={data.id} live={['active', 'sold_out', 'scheduled'].includes(data.status)} version={version} />
              <InventoryPanel campaign={data} admin={admin} onChanged={stockChanged} />
              {admin && <LedgerPanel campaignId={data.id} />}
            </div>
          </>
        )}
      </Async>
    </section>
  );
}

function Review({ campaign }: { campaign: Campaign }) {
  if (campaign.reviewStatus === 'approved') return <p className="ok">Approved by our team.</p>;
  if (campaign.reviewStatus === 'rejected') {
    return (
      <p className="state state-error" role="status">
        Rejected by our team{campaign.reviewReason ? `: ${campaign.reviewReason}` : '.'}
      </p>
    );
  }
  return <p className="muted">Waiting for review by our team (usually within a day).</p>;
}

function BrandActions({ campaign, reload }: { campaign: Campaign; reload: () => Promise<void> }) {
  const action = useAction();
  const [checkout, setCheckout] = useState<Funding>();
  // Stripe Checkout sends the brand back here with ?funding=success|cancelled.
  const [search] = useSearchParams();
  const returned = search.get('funding');
  // The webhook marks the campaign funded a moment after payment; follow it here without a manual reload.
  const waitingForPayment = (checkout !== undefined || returned === 'success') && campaign.status === 'draft';
  usePolling(waitingForPayment, reload, 2000);

  const pay = async () => {
    const funding = await action.run(() => api<Funding>(`/campaigns/${campaign.id}/funding`, { method: 'POST' }));
    if (!funding) return;
    setCheckout(funding);
    window.open(funding.checkoutUrl, '_blank', 'noopener');
  };

  const transition = async (verb: Verb, confirm?: string) => {
    if (confirm && !window.confirm(confirm)) return;
    await action.run(() => api(`/campaigns/${campaign.id}/${verb}`, { method: 'POST' }), reload);
  };

  return (
    <div className="card brand-actions">
      <div className="actions">
        {campaign.status === 'draft' && (
          <>
            <Link className="button" to={`/campaigns/${campaign.id}/edit`}>
              Edit and preview audience
            </Link>
            <button type="button" className="primary" onClick={pay} disabled={action.busy}>
              Pay {formatMoney(campaign.fundingRequiredCents)}
            </button>
          </>
        )}
        {VERBS.filter(({ when }) => when.includes(campaign.status)).map(({ verb, label, confirm }) => (
          <button key={verb} type="button" className={verb === 'end' ? 'danger' : verb === 'launch' ? 'primary' : ''} onClick={() => transition(verb, confirm)} disabled={action.busy}>
            {label}
          </button>
        ))}
      </div>
      {waitingForPayment && (
        <p className="state state-loading" role="status" data-testid="waiting-for-payment">
          {checkout ? (
            <>
              Waiting for your payment of {formatMoney(checkout.amountCents)}.{' '}
              <a href={checkout.checkoutUrl} target="_blank" rel="noreferrer">
                Open the checkout page
              </a>{' '}
              if it did not open.
            </>
          ) : (
            'Payment received.'
          )}{' '}
          This page updates once Stripe confirms the payment.
        </p>
      )}
      {returned === 'cancelled' && campaign.status === 'draft' && !checkout && (
        <p className="state state-empty" role="status">
          The payment was cancelled; nothing was charged. You can pay again whenever you are ready.
        </p>
      )}
      {campaign.status === 'funded' && campaign.reviewStatus !== 'approved' && <p className="muted">Paid. You can launch once our team has approved the campaign.</p>}
      <ErrorNotice error={action.error} />
    </div>
  );
}
