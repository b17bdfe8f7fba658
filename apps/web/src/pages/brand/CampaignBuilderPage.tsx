import { FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useAction, useResource } from '../../api/hooks';
import type { Audience, Campaign, CampaignInput, PerkKind } from '../../api/types';
import { BarChart } from '../../components/Charts';
import { Field } from '../../components/Field';
import { Async, ErrorNotice, Loading } from '../../components/States';
import { CampaignForm, emptyForm, FormErrors, formFromCampaign, toCampaignInput } from '../../lib/campaign-form';
import { describeError } from '../../lib/errors';
import { formatMoney, PERK_KIND_LABEL, toPairs } from '../../lib/format';

const SAVE_DELAY_MS = 700;

/** New campaign (POST) or a draft being edited: every valid change is saved (PATCH) and the audience recounted. */
export function CampaignBuilderPage() {
  const { id } = useParams();
  const campaign = useResource<Campaign>(id ? `/campaigns/${id}` : null);
  // One builder per visit of a draft, started from the draft as it is now: never from the data an
  // earlier visit (or another draft) left while this one loads, or its autosave would write that back.
  if (!id) return <Builder key="new" />;
  if (campaign.loading || campaign.data?.id !== id) return campaign.error ? <Async resource={campaign}>{() => null}</Async> : <Loading />;
  if (campaign.data.status !== 'draft') {
    return (
      <section className="narrow">
        <h1>{campaign.data.name}</h1>
        <p className="state state-empty">Only drafts can be edited; this campaign is {campaign.data.status}.</p>
        <Link to={`/campaigns/${id}`}>Back to the campaign</Link>
      </section>
    );
  }
  return <Builder key={id} campaign={campaign.data} />;
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; campaign: Campaign } | { kind: 'error'; error: unknown };

function Builder({ campaign }: { campaign?: Campaign }) {
  const navigate = useNavigate();
  const [form, setForm] = useState<CampaignForm>(() => (campaign ? formFromCampaign(campaign) : emptyForm()));
  const [errors, setErrors] = useState<FormErrors>({});
  const [save, setSave] = useState<SaveState>(campaign ? { kind: 'saved', campaign } : { kind: 'idle' });
  const [audienceVersion, setAudienceVersion] = useState(0);
  const create = useAction();
  // The body last sent (a change that leads back to it needs no request) and the last one the
  // server confirmed; the newest valid body of the form; the saves queued so far.
  const initial = campaign ? JSON.stringify(toCampaignInput(formFromCampaign(campaign), new Date(), campaign).input) : '';
  const lastSent = useRef(initial);
  const lastSaved = useRef(initial);
  const latest = useRef<CampaignInput | undefined>(undefined);
  const saves = useRef<Promise<void>>(Promise.resolve());

  /**
   * Saves the newest body once the saves before it are done: one PATCH at a time, never cancelled
   * once sent (the server may already have applied it), so the last one sent is the form as shown.
   */
  const persist = useCallback((): Promise<void> => {
    const next = saves.current
      .catch(() => undefined)
      .then(async () => {
        const input = latest.current;
        const body = JSON.stringify(input);
        if (!campaign || !input || body === lastSent.current) return;
        lastSent.current = body;
        setSave({ kind: 'saving' });
        try {
          const saved = await api<Campaign>(`/campaigns/${campaign.id}`, { method: 'PATCH', body: input });
          lastSaved.current = body;
          setSave({ kind: 'saved', campaign: saved });
          setAudienceVersion((v) => v + 1);
        } catch (error) {
          // Applied or not, the server's copy is unknown now: the next change is sent whatever it is.
          lastSent.current = lastSaved.current = '';
          setSave({ kind: 'error', error });
          throw error;
        }
      });
    saves.current = next;
    return next;
  }, [campaign]);

  // Drafts save themselves shortly after the last keystroke, then the audience is recounted on the saved rules.
  useEffect(() => {
    if (!campaign) return;
    const { input, errors: found } = toCampaignInput(form, new Date(), campaign);
    setErrors(found);
    latest.current = input;
    if (!input || JSON.stringify(input) === lastSent.current) return;
    const timer = setTimeout(() => void persist().catch(() => undefined), SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [form, campaign, persist]);

  // Leaving the builder saves what is still waiting for its delay; closing or reloading the page
  // while a change is not saved yet asks first.
  useEffect(() => {
    const newest = () => (latest.current ? JSON.stringify(latest.current) : undefined);
    const warn = (event: BeforeUnloadEvent) => {
      if (newest() !== undefined && newest() !== lastSaved.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (newest() !== undefined && newest() !== lastSent.current) void persist().catch(() => undefined);
    };
  }, [persist]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { input, errors: found } = toCampaignInput(form, new Date(), campaign);
    setErrors(found);
    if (!input) return;
    if (campaign) {
      // A change typed just before "Done" may still be waiting for its delay: save it now.
      latest.current = input;
      const saved = await create.run(async () => {
        await persist();
        return true;
      });
      if (saved) navigate(`/campaigns/${campaign.id}`);
      return;
    }
    const created = await create.run(() => api<Campaign>('/campaigns', { method: 'POST', body: input }));
    if (created) navigate(`/campaigns/${created.id}/edit`, { replace: true });
  };

  const set = (field: keyof CampaignForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [field]: e.target.value }));
  const current = save.kind === 'saved' ? save.campaign : campaign;

  return (
    <section>
      <div className="page-head">
        <h1>{campaign ? `Edit “${campaign.name}”` : 'New campaign'}</h1>
        {campaign && <SaveIndicator save={save} invalid={Object.keys(errors).length > 0} />}
      </div>
      {campaign?.reviewStatus === 'approved' && <p className="muted">This draft is approved: a saved change sends it back for review.</p>}
      <div className="builder">
        <form className="card" onSubmit={submit} noValidate aria-label="Campaign">
          <fieldset>
            <legend>The perk</legend>
            <Field label="Campaign name" error={errors.name}>
              <input value={form.name} onChange={set('name')} />
            </Field>
            <Field label="Description (optional)">
              <textarea rows={2} value={form.description} onChange={set('description')} />
            </Field>
            <Field label="Kind of perk">
              <select value={form.kind} onChange={(e) => setForm((f) => ({ ...f, kind: e.target.value as PerkKind }))}>
                {Object.entries(PERK_KIND_LABEL).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="What members get" error={errors.perkTitle}>
              <input value={form.perkTitle} onChange={set('perkTitle')} />
            </Field>
            <div className="row">
              <Field label="Cost per unit (USD)" error={errors.unitCost}>
                <input inputMode="decimal" value={form.unitCost} onChange={set('unitCost')} />
              </Field>
              <Field label="Units" error={errors.totalUnits}>
                <input inputMode="numeric" value={form.totalUnits} onChange={set('totalUnits')} />
              </Field>
              <Field label="Limit per member" error={errors.perMemberLimit}>
                <input inputMode="numeric" value={form.perMemberLimit} onChange={set('perMemberLimit')} />
              </Field>
            </div>
            <div className="row">
              <Field label="Starts (optional)" hint="At the start of this day (UTC); empty: when you launch" error={errors.startsAt}>
                <input type="date" value={form.startsAt} onChange={set('startsAt')} />
              </Field>
              <Field label="Ends" hint="At the end of this day (UTC)" error={errors.endsAt}>
                <input type="date" value={form.endsAt} onChange={set('endsAt')} />
              </Field>
            </div>
          </fieldset>
          <fieldset>
            <legend>Who qualifies</legend>
            <div className="row">
              <Field label="Score provider" error={errors.provider}>
                <select value={form.provider} onChange={set('provider')}>
                  <option value="klout">Klout</option>
                  <option value="peerindex">PeerIndex</option>
                </select>
              </Field>
              <Field label="Minimum score" hint="0–100" error={errors.minScore}>
                <input inputMode="decimal" value={form.minScore} onChange={set('minScore')} />
              </Field>
              <Field label="Minimum percentile" hint="90 = top 10%" error={errors.minPercentile}>
                <input inputMode="decimal" value={form.minPercentile} onChange={set('minPercentile')} />
              </Field>
            </div>
            <div className="row">
              <Field label="Topics" hint="Any of, separated by commas, e.g. tech, gaming, home-coffee" error={errors.topics}>
                <input value={form.topics} onChange={set('topics')} />
              </Field>
              <Field label="Minimum topic score" error={errors.minTopicScore}>
                <input inputMode="decimal" value={form.minTopicScore} onChange={set('minTopicScore')} />
              </Field>
            </div>
            <div className="row">
              <Field label="Countries" hint="e.g. US, CA; empty: everywhere" error={errors.countries}>
                <input value={form.countries} onChange={set('countries')} />
              </Field>
              <Field label="Minimum age" error={errors.minAge}>
                <input inputMode="numeric" value={form.minAge} onChange={set('minAge')} />
              </Field>
            </div>
          </fieldset>
          <ErrorNotice error={create.error} />
          <button type="submit" className="primary" disabled={create.busy}>
            {campaign ? 'Done' : create.busy ? 'Saving…' : 'Save draft'}
          </button>
        </form>
        <aside className="card audience" aria-label="Audience estimate">
          <h2>Audience</h2>
          {current ? (
            <>
              <AudiencePreview campaignId={current.id} version={audienceVersion} />
              <p>
                Budget: <strong>{formatMoney(current.fundingRequiredCents)}</strong> (units × cost + platform fee)
              </p>
            </>
          ) : (
            <p className="state state-empty">Save the draft to see how many members qualify. The estimate follows every change.</p>
          )}
        </aside>
      </div>
    </section>
  );
}

/** `invalid`: the form holds a change that cannot be saved as it is. */
function SaveIndicator({ save, invalid }: { save: SaveState; invalid: boolean }) {
  const text = invalid
    ? 'Not saved: correct the fields marked below'
    : save.kind === 'saving'
      ? 'Saving…'
      : save.kind === 'saved'
        ? 'All changes saved'
        : save.kind === 'error'
          ? `Not saved: ${describeError(save.error)}`
          : '';
  return (
    <p className={`save-indicator${invalid || save.kind === 'error' ? ' field-error' : ''}`} role="status" aria-live="polite" data-testid="save-indicator">
      {text}
    </p>
  );
}

function AudiencePreview({ campaignId, version }: { campaignId: string; version: number }) {
  const audience = useResource<Audience>(`/campaigns/${campaignId}/audience`);
  const { reload } = audience;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  return (
    <div aria-live="polite">
      {audience.loading && audience.data && <Loading label="Recounting…" />}
      <Async resource={audience}>
        {(data) => (
          <>
            <p className="big-number">
              <strong data-testid="audience-count">{data.eligibleMembers.toLocaleString('en-US')}</strong> members qualify
            </p>
            <BarChart title="By country" data={toPairs(data.byCountry)} />
            <BarChart title="By topic" data={toPairs(data.byTopic)} />
          </>
        )}
      </Async>
    </div>
  );
}
