import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { usePaged } from '../../api/hooks';
import type { Eligibility, MemberPerk } from '../../api/types';
import { EligibilitySummary } from '../../components/EligibilityReasons';
import { PagedList } from '../../components/PagedList';
import { ErrorNotice, Loading } from '../../components/States';
import { formatDate, PERK_KIND_LABEL } from '../../lib/format';

const STATUS_LABEL: Record<MemberPerk['status'], string> = { available: 'Available', claimed: 'Claimed', sold_out: 'Sold out' };

export function PerksPage() {
  const perks = usePaged<MemberPerk>('/me/perks');
  return (
    <section>
      <h1>Your perks</h1>
      <p className="lead">Perks brands offer you because of your influence. Claim one before it runs out.</p>
      <PagedList
        list={perks}
        className="cards"
        empty={
          <>
            No perks for you yet. Make sure your <Link to="/profile">profile</Link> is complete and “Show me perks” is on; new perks appear here and in your notifications.
          </>
        }
      >
        {(perk) => <PerkCard key={perk.campaignId} perk={perk} />}
      </PagedList>
    </section>
  );
}

function PerkCard({ perk }: { perk: MemberPerk }) {
  const [why, setWhy] = useState<{ loading: boolean; data?: Eligibility; error?: unknown } | null>(null);

  const explain = async () => {
    if (why) return setWhy(null);
    setWhy({ loading: true });
    try {
      setWhy({ loading: false, data: await api<Eligibility>(`/me/perks/${perk.campaignId}/eligibility`) });
    } catch (error) {
      setWhy({ loading: false, error });
    }
  };

  return (
    <li className="card perk" data-testid="perk-card">
      <div className="perk-head">
        <h2>{perk.title}</h2>
        <span className={`badge badge-${perk.status}`}>{STATUS_LABEL[perk.status] ?? perk.status}</span>
      </div>
      <p className="muted">
        {perk.brandName} · {PERK_KIND_LABEL[perk.kind]} · ends {formatDate(perk.endsAt)}
      </p>
      <p>
        <strong>{perk.remainingUnits}</strong> {perk.remainingUnits === 1 ? 'unit' : 'units'} left
      </p>
      <div className="actions">
        {perk.status === 'available' && (
          <Link className="button primary" to={`/perks/${perk.campaignId}`}>
            Claim
          </Link>
        )}
        <button type="button" onClick={explain} aria-expanded={why !== null}>
          {perk.status === 'available' ? 'Do I qualify?' : 'Why not?'}
        </button>
      </div>
      {why?.loading && <Loading label="Checking…" />}
      <ErrorNotice error={why?.error} />
      {why?.data && <EligibilitySummary eligibility={why.data} />}
    </li>
  );
}
