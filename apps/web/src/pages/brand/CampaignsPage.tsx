import { Link } from 'react-router-dom';
import { usePaged } from '../../api/hooks';
import type { Campaign } from '../../api/types';
import { PagedList } from '../../components/PagedList';
import { CAMPAIGN_STATUS_LABEL, formatDate, formatMoney, PERK_KIND_LABEL } from '../../lib/format';
import { useSession } from '../../session';

export function CampaignsPage() {
  const { me } = useSession();
  const campaigns = usePaged<Campaign>('/campaigns');
  return (
    <section>
      <div className="page-head">
        <h1>{me?.role === 'admin' ? 'All campaigns' : 'Your campaigns'}</h1>
        {me?.role === 'brand' && (
          <Link className="button primary" to="/campaigns/new">
            New campaign
          </Link>
        )}
      </div>
      <PagedList list={campaigns} className="cards" empty="No campaigns yet. Create one to reach the right people.">
        {(campaign) => (
          <li key={campaign.id} className="card" data-testid="campaign-card">
            <div className="perk-head">
              <h2>
                <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
              </h2>
              <span className={`badge badge-${campaign.status}`}>{CAMPAIGN_STATUS_LABEL[campaign.status] ?? campaign.status}</span>
            </div>
            <p className="muted">
              {campaign.perk.title} · {PERK_KIND_LABEL[campaign.perk.kind]} · {campaign.totalUnits} units · ends {formatDate(campaign.endsAt)}
            </p>
            <p>
              Budget {formatMoney(campaign.fundingRequiredCents)} · review: {campaign.reviewStatus}
            </p>
          </li>
        )}
      </PagedList>
    </section>
  );
}
