import { FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import { useAction, useResource } from '../../api/hooks';
import type { Claim, Eligibility, MemberPerk, ShippingAddress } from '../../api/types';
import { EligibilitySummary, ReasonList, reasonsFromDetails } from '../../components/EligibilityReasons';
import { Field } from '../../components/Field';
import { Async, ErrorNotice } from '../../components/States';
import { AddressErrors, normalizeAddress, validateAddress } from '../../lib/address';
import { formatDate, PERK_KIND_LABEL } from '../../lib/format';
import { randomId } from '../../lib/ids';

export function PerkPage() {
  const { campaignId = '' } = useParams();
  const offer = useResource<MemberPerk>(`/me/perks/${encodeURIComponent(campaignId)}`);
  const eligibility = useResource<Eligibility>(`/me/perks/${encodeURIComponent(campaignId)}/eligibility`);
  const notOffered = offer.error instanceof ApiError && offer.error.code === 'NOT_FOUND';

  return (
    <section className="narrow">
      <p>
        <Link to="/perks">← All perks</Link>
      </p>
      {notOffered ? (
        <>
          <h1>Perk</h1>
          <p className="state state-empty">This perk has not been offered to you, or it is no longer running.</p>
          <Async resource={eligibility}>{(data) => <EligibilitySummary eligibility={data} />}</Async>
        </>
      ) : (
        <Async resource={offer}>
          {(perk) => (
            <>
              <h1>{perk.title}</h1>
              <p className="muted">
                {perk.brandName} · {PERK_KIND_LABEL[perk.kind]} · ends {formatDate(perk.endsAt)} · {perk.remainingUnits} left
              </p>
              <Async resource={eligibility}>{(data) => <EligibilitySummary eligibility={data} />}</Async>
              {perk.status === 'available' ? (
                <ClaimForm perk={perk} onRefused={offer.reload} />
              ) : (
                <p className="state state-empty">{perk.status === 'claimed' ? 'You have claimed this perk.' : 'This perk is sold out.'}</p>
              )}
            </>
          )}
        </Async>
      )}
    </section>
  );
}

const EMPTY_ADDRESS: ShippingAddress = { name: '', line1: '', line2: '', city: '', postalCode: '', country: '' };

function ClaimForm({ perk, onRefused }: { perk: MemberPerk; onRefused: () => void }) {
  const navigate = useNavigate();
  // One key per claim attempt: a double click or a retry after a lost response claims once.
  const [idempotencyKey, setIdempotencyKey] = useState(randomId);
  const [accepted, setAccepted] = useState(false);
  const [disclosureError, setDisclosureError] = useState<string>();
  const [address, setAddress] = useState<ShippingAddress>(EMPTY_ADDRESS);
  const [addressErrors, setAddressErrors] = useState<AddressErrors>({});
  const action = useAction();
  const physical = perk.kind === 'physical';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const foundAddressErrors = physical ? validateAddress(address) : {};
    setAddressErrors(foundAddressErrors);
    setDisclosureError(accepted ? undefined : 'Tick the box to accept the disclosure terms.');
    if (!accepted || Object.keys(foundAddressErrors).length) return;
    const claim = await action.run(() =>
      api<Claim>(`/campaigns/${perk.campaignId}/claims`, {
        method: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey },
        body: { acceptDisclosure: true, ...(physical ? { shippingAddress: normalizeAddress(address) } : {}) },
      }).catch((error: unknown) => {
        // A refusal is an answer the API keeps for its key: the next attempt (the perk back in
        // stock, or running again) needs a new key. A lost answer or a 5xx keeps it, to claim once.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          setIdempotencyKey(randomId());
          onRefused();
        }
        throw error;
      }),
    );
    if (claim) navigate('/claims', { state: { claimed: perk.title } });
  };

  const set = (field: keyof ShippingAddress) => (e: { target: { value: string } }) => setAddress({ ...address, [field]: e.target.value });
  const notEligible = action.error instanceof ApiError && action.error.code === 'NOT_ELIGIBLE' ? reasonsFromDetails(action.error.details) : [];

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Claim this perk">
      <h2>Claim</h2>
      {physical && (
        <fieldset>
          <legend>Where should we send it?</legend>
          <Field label="Full name" error={addressErrors.name}>
            <input autoComplete="shipping name" value={address.name} onChange={set('name')} />
          </Field>
          <Field label="Address line 1" error={addressErrors.line1}>
            <input autoComplete="shipping address-line1" value={address.line1} onChange={set('line1')} />
          </Field>
          <Field label="Address line 2 (optional)" error={addressErrors.line2}>
            <input autoComplete="shipping address-line2" value={address.line2} onChange={set('line2')} />
          </Field>
          <div className="row">
            <Field label="City" error={addressErrors.city}>
              <input autoComplete="shipping address-level2" value={address.city} onChange={set('city')} />
            </Field>
            <Field label="Postal code" error={addressErrors.postalCode}>
              <input autoComplete="shipping postal-code" value={address.postalCode} onChange={set('postalCode')} />
            </Field>
            <Field label="Country" hint="Two letters, e.g. US" error={addressErrors.country}>
              <input autoComplete="shipping country" maxLength={2} value={address.country} onChange={set('country')} />
            </Field>
          </div>
          <p className="muted">Your address goes only to the shipping partner, never to the brand.</p>
        </fieldset>
      )}
      <div className={`field checkbox${disclosureError ? ' field-invalid' : ''}`}>
        <label>
          <input type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} aria-describedby="disclosure-error" />
          I understand this perk is a free gift from {perk.brandName}, and I will disclose that whenever I post about it (FTC disclosure).
        </label>
        {disclosureError && (
          <small id="disclosure-error" className="field-error">
            {disclosureError}
          </small>
        )}
      </div>
      <ErrorNotice error={action.error} />
      {notEligible.length > 0 && <ReasonList reasons={notEligible} />}
      <button type="submit" className="primary" disabled={action.busy}>
        {action.busy ? 'Claiming…' : 'Claim this perk'}
      </button>
    </form>
  );
}
