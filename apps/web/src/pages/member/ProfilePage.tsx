import { FormEvent, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { useAction, useResource } from '../../api/hooks';
import type { Profile, ProviderScore } from '../../api/types';
import { Field } from '../../components/Field';
import { Async, ErrorNotice, Loading, SuccessNotice } from '../../components/States';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../session';

interface StoredProfile {
  country: string | null;
  birthDate: string | null;
  optedIn: boolean;
}

export function ProfilePage() {
  const { logout } = useSession();
  const existing = useResource<StoredProfile>('/me/profile');
  const scores = useResource<{ items: ProviderScore[] }>('/me/scores');
  // What the member typed; until then the form shows the stored profile. A blank form only for a
  // member without a profile (404): a form shown after a failed load would save blanks over theirs.
  const [edited, setEdited] = useState<Profile>();
  const noProfile = existing.error instanceof ApiError && existing.error.code === 'NOT_FOUND';
  const form = edited ?? (existing.data ? fromStored(existing.data) : noProfile ? { country: '', birthDate: '', optedIn: false } : undefined);
  const [errors, setErrors] = useState<{ country?: string; birthDate?: string }>({});
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const erase = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    setSaved(false);
    const found: typeof errors = {};
    const country = form.country.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) found.country = 'Enter the two-letter code of your country, e.g. US.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.birthDate) || new Date(form.birthDate) > new Date()) found.birthDate = 'Enter your birth date.';
    setErrors(found);
    if (Object.keys(found).length) return;
    const done = await save.run(async () => {
      await api('/me/profile', { method: 'PUT', body: { ...form, country } });
      return true;
    });
    if (done) setSaved(true);
  };

  const download = async () => {
    const data = await erase.run(() => api<unknown>('/me/export'));
    if (data === undefined) return;
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: 'my-perks-data.json' });
    link.click();
    URL.revokeObjectURL(url);
  };

  const deleteAccount = async () => {
    if (!window.confirm('Delete your account and personal data? This cannot be undone.')) return;
    const done = await erase.run(async () => {
      await api('/me', { method: 'DELETE' });
      return true;
    });
    if (done) logout();
  };

  const scoreList = scores.data?.items ?? [];

  return (
    <section className="narrow">
      <h1>Your profile</h1>
      {!form ? (
        existing.error && !noProfile ? (
          <ErrorNotice error={existing.error} retry={existing.reload} />
        ) : (
          <Loading />
        )
      ) : (
        <form className="card" onSubmit={submit} noValidate aria-label="Profile">
          <Field label="Country" hint="Two letters, e.g. US" error={errors.country}>
            <input autoComplete="country" maxLength={2} value={form.country} onChange={(e) => setEdited({ ...form, country: e.target.value })} />
          </Field>
          <Field label="Birth date" error={errors.birthDate}>
            <input type="date" autoComplete="bday" value={form.birthDate} onChange={(e) => setEdited({ ...form, birthDate: e.target.value })} />
          </Field>
          <div className="field checkbox">
            <label>
              <input type="checkbox" checked={form.optedIn} onChange={(e) => setEdited({ ...form, optedIn: e.target.checked })} />
              Show me perks: brands may offer me perks based on my scores (they never see who I am)
            </label>
          </div>
          <ErrorNotice error={save.error} />
          <SuccessNotice>{saved && 'Profile saved.'}</SuccessNotice>
          <button type="submit" className="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save profile'}
          </button>
        </form>
      )}

      <h2>Your scores</h2>
      <Async resource={scores} isEmpty={() => scoreList.length === 0} empty="No scores yet. Score providers send them regularly.">
        {() => (
          // Focusable: on a phone the table scrolls sideways, and a keyboard must reach that too.
          <table tabIndex={0} aria-label="Your scores">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Score</th>
                <th scope="col">Percentile</th>
                <th scope="col">Topics</th>
                <th scope="col">As of</th>
              </tr>
            </thead>
            <tbody>
              {scoreList.map((score) => (
                <tr key={score.provider}>
                  <td>{score.provider}</td>
                  <td>{score.score}</td>
                  <td>{score.percentile ?? '—'}</td>
                  <td>{score.topics.map((t) => `${t.topic} ${t.score}`).join(', ') || '—'}</td>
                  <td>{formatDateTime(score.scoredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>

      <h2>Your data</h2>
      <div className="actions">
        <button type="button" onClick={download} disabled={erase.busy}>
          Download my data
        </button>
        <button type="button" className="danger" onClick={deleteAccount} disabled={erase.busy}>
          Delete my account
        </button>
      </div>
      <ErrorNotice error={erase.error} />
    </section>
  );
}

function fromStored(profile: StoredProfile): Profile {
  return { country: profile.country ?? '', birthDate: profile.birthDate?.slice(0, 10) ?? '', optedIn: profile.optedIn ?? false };
}
