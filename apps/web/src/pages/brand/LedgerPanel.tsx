import { usePaged } from '../../api/hooks';
import type { LedgerEntry } from '../../api/types';
import { PagedList } from '../../components/PagedList';
import { formatDateTime, formatMoney } from '../../lib/format';

/** Every charge, fee, refund and dispute of one campaign (admin only). */
export function LedgerPanel({ campaignId }: { campaignId: string }) {
  const ledger = usePaged<LedgerEntry>(`/admin/campaigns/${campaignId}/ledger`, 50);
  return (
    <section className="card" aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      <PagedList list={ledger} className="list ledger" empty="No money has moved yet.">
        {(entry) => (
          <li key={entry.id} data-testid="ledger-entry">
            <span>{entry.description || entry.kind.replace(/_/g, ' ')}</span>
            <strong>{formatMoney(entry.amountCents)}</strong>
            <span className="muted">
              {entry.kind} · {formatDateTime(entry.createdAt)}
              {entry.stripeObjectId ? ` · ${entry.stripeObjectId}` : ''}
            </span>
          </li>
        )}
      </PagedList>
    </section>
  );
}
