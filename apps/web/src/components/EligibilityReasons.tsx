import type { Eligibility, EligibilityReason } from '../api/types';
import { describeReason } from '../lib/eligibility';

export function ReasonList({ reasons }: { reasons: EligibilityReason[] }) {
  return (
    <ul className="reasons">
      {reasons.map((reason) => (
        <li key={`${reason.rule}-${String(reason.required)}`}>{describeReason(reason)}</li>
      ))}
    </ul>
  );
}

export function EligibilitySummary({ eligibility }: { eligibility: Eligibility }) {
  if (eligibility.eligible) return <p className="ok">You qualify for this perk.</p>;
  return (
    <div className="why-not">
      <p>You do not qualify for this perk yet:</p>
      {eligibility.reasons.length ? <ReasonList reasons={eligibility.reasons} /> : <p>No reason was given.</p>}
    </div>
  );
}

/** NOT_ELIGIBLE errors carry the failed rules in `details` (as a list or under `reasons`). */
export function reasonsFromDetails(details: unknown): EligibilityReason[] {
  const list = Array.isArray(details) ? details : (details as { reasons?: unknown } | undefined)?.reasons;
  return Array.isArray(list) ? list.filter((item): item is EligibilityReason => typeof item === 'object' && item !== null && 'rule' in item) : [];
}
