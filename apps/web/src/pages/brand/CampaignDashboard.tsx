import { useEffect } from 'react';
import { usePolling, useResource } from '../../api/hooks';
import type { CampaignStats } from '../../api/types';
import { BarChart, LineChart, StackedBar } from '../../components/Charts';
import { Async } from '../../components/States';
import { formatMoney, toPairs } from '../../lib/format';

/** Aggregates only: the brand never sees who claimed. Refreshes while the campaign runs. */
export function CampaignDashboard({ campaignId, live, version }: { campaignId: string; live: boolean; version: number }) {
  const stats = useResource<CampaignStats>(`/campaigns/${campaignId}/stats`);
  const { reload } = stats;
  usePolling(live, reload, 5000);
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  return (
    <section className="card" aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Results</h2>
      <Async resource={stats}>
        {(data) => {
          // A failed claim gave its unit back: claimed units are the delivered ones and those on their way.
          const pending = Math.max(data.claimedUnits - data.fulfilledUnits, 0);
          return (
            <>
              <dl className="metrics" data-testid="stats">
                <Metric label="Claimed" value={`${data.claimedUnits} / ${data.totalUnits}`} />
                <Metric label="Remaining" value={data.remainingUnits} />
                <Metric label="Eligible members" value={data.eligibleMembers} />
                <Metric label="Offered" value={data.offeredMembers} />
                <Metric label="Failed deliveries" value={data.failedUnits} />
                <Metric label="Funded" value={formatMoney(data.fundedCents)} />
                <Metric label="Refunded" value={formatMoney(data.refundedCents)} />
              </dl>
              <div className="charts">
                <StackedBar
                  title="Fulfillment"
                  segments={[
                    ['Delivered', data.fulfilledUnits],
                    ['In progress', pending],
                    ['Not claimed', data.remainingUnits],
                  ]}
                />
                <BarChart title="Claims by country" data={toPairs(data.claimsByCountry)} />
                {data.claimsByDay && <LineChart title="Claims over time" data={toPairs(data.claimsByDay)} />}
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function Metric({ label, value }: { label: string; value: string | number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
