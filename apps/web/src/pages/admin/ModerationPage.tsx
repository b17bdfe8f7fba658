import { Link } from 'react-router-dom';
import { usePaged } from '../../api/hooks';
import type { Campaign } from '../../api/types';
import { ReviewActions } from '../../components/ReviewActions';
import { Empty, ErrorNotice, Loading } from '../../components/States';
import { describeRules } from '../../lib/eligibility';
import { formatDate, formatMoney, PERK_KIND_LABEL } from '../../lib/format';

/** Campaigns waiting for review, oldest pages last as the API lists them; an ended one needs no review. */
export function ModerationPage() {
  const campaigns = usePaged<Campaign>('/campaigns?reviewStatus=pending', 100);
  const pending = campaigns.items.filter((campaign) => campaign.status !== 'ended');

  return (
    <section>
      <h1>Moderation queue</h1>
      <p className="lead">Check each campaign before it can launch: the perk must be real, legal and honestly described.</p>
      {!campaigns.loaded ? (
        campaigns.error ? <ErrorNotice error={campaigns.error} retry={campaigns.reload} /> : <Loading />
      ) : (
        <>
          <ErrorNotice error={campaigns.error} retry={campaigns.reload} />
          {pending.length === 0 ? (
            <Empty>Nothing to review{campaigns.hasMore ? ' on this page' : ''}. Well done.</Empty>
          ) : (
            <ul className="cards">
              {pending.map((campaign) => (
                <li key={campaign.id} className="card" data-testid="review-item">
                  <h2>
                    <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
                  </h2>
                  <p className="muted">
                    {campaign.perk.title} · {PERK_KIND_LABEL[campaign.perk.kind]} · {campaign.totalUnits} units · ends {formatDate(campaign.endsAt)}
                  </p>
                  <p>Who: {describeRules(campaign.eligibility)}</p>
                  {campaign.description && <p>{campaign.description}</p>}
                  <p>Budget {formatMoney(campaign.fundingRequiredCents)} · status {campaign.status}</p>
                  <ReviewActions campaign={campaign} onDone={campaigns.reload} />
                </li>
              ))}
            </ul>
          )}
          {campaigns.hasMore && (
            <button type="button" onClick={campaigns.loadMore} disabled={campaigns.loading}>
              Load more campaigns
            </button>
          )}
        </>
      )}
    </section>
  );
}
