import { ChangeEvent, FormEvent, useRef, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { useAction, usePaged, useResource } from '../../api/hooks';
import type { Campaign, Inventory, InventoryAdjustment } from '../../api/types';
import { Field } from '../../components/Field';
import { PagedList } from '../../components/PagedList';
import { Async, ErrorNotice, SuccessNotice } from '../../components/States';
import { formatDateTime } from '../../lib/format';
import { randomId, shortId } from '../../lib/ids';
import { parseUnitsChange } from '../../lib/units';
import { useSession } from '../../session';

const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export function InventoryPanel({ campaign, admin, onChanged }: { campaign: Campaign; admin: boolean; onChanged: () => Promise<void> }) {
  const inventory = useResource<Inventory>(`/campaigns/${campaign.id}/inventory`);
  const changed = () => Promise.all([inventory.reload(), onChanged()]);
  return (
    <section className="card" aria-labelledby="inventory-title">
      <h2 id="inventory-title">Inventory</h2>
      <Async resource={inventory}>
        {(data) => (
          <dl className="metrics" data-testid="inventory">
            <div>
              <dt>Units</dt>
              <dd>{data.totalUnits}</dd>
            </div>
            <div>
              <dt>Claimed</dt>
              <dd>{data.claimedUnits}</dd>
            </div>
            <div>
              <dt>Available</dt>
              <dd>{data.availableUnits}</dd>
            </div>
            {campaign.perk.kind === 'digital_code' && (
              <div>
                <dt>Codes loaded</dt>
                <dd data-testid="codes-loaded">{data.codesLoaded}</dd>
              </div>
            )}
          </dl>
        )}
      </Async>
      {campaign.perk.kind === 'digital_code' && campaign.status !== 'ended' && <CodeUpload campaignId={campaign.id} onUploaded={inventory.reload} />}
      {admin && <Adjustments campaignId={campaign.id} onAdjusted={changed} />}
    </section>
  );
}

function CodeUpload({ campaignId, onUploaded }: { campaignId: string; onUploaded: () => Promise<void> }) {
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string>();
  const [result, setResult] = useState<{ added: number; duplicates: number }>();
  const action = useAction();

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0] ?? null;
    setResult(undefined);
    setFileError(chosen && chosen.size > MAX_UPLOAD_BYTES ? 'The file is larger than 5 MB; split it into smaller files.' : undefined);
    setFile(chosen);
  };

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setFileError('Choose a CSV file with one code a line.');
    if (fileError) return;
    setResult(undefined);
    // Read inside the action: the button is busy from the first click (a double click uploads once),
    // and a file that can no longer be read (changed on disk since it was chosen) is an error shown.
    const uploaded = await action.run(async () => {
      const text = await file.text().catch(() => {
        throw new ApiError(0, 'FILE_UNREADABLE', 'file unreadable');
      });
      return api<{ added: number; duplicates: number }>(`/campaigns/${campaignId}/codes`, { method: 'POST', raw: { contentType: 'text/csv', text } });
    }, onUploaded);
    if (uploaded) setResult(uploaded);
  };

  return (
    <form onSubmit={upload} noValidate aria-label="Upload codes" className="upload">
      <Field label="Upload codes (CSV)" hint="One code a line; an optional first line “code”. Duplicates are skipped." error={fileError}>
        <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={choose} />
      </Field>
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Uploading…' : 'Upload'}
      </button>
      <ErrorNotice error={action.error} />
      <SuccessNotice testId="upload-result">{result && `Added ${result.added} codes; skipped ${result.duplicates} duplicates.`}</SuccessNotice>
    </form>
  );
}

function Adjustments({ campaignId, onAdjusted }: { campaignId: string; onAdjusted: () => Promise<unknown> }) {
  const { me } = useSession();
  const trail = usePaged<InventoryAdjustment>(`/admin/campaigns/${campaignId}/inventory-adjustments`);
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ delta?: string; reason?: string }>({});
  const action = useAction();
  const attempt = useRef<{ change: string; key: string }>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = parseUnitsChange(delta);
    const found: typeof errors = {};
    if (value === undefined) found.delta = 'Enter a whole number of units, e.g. 10 or -5.';
    if (!reason.trim()) found.reason = 'Say why; it goes into the audit trail.';
    setErrors(found);
    if (value === undefined || Object.keys(found).length) return;
    const body = { delta: value, reason: reason.trim() };
    // One key per change: Apply again after a lost answer (or a 5xx) is answered with the
    // adjustment already made instead of applying it twice; another change gets a new key.
    const change = JSON.stringify(body);
    if (attempt.current?.change !== change) attempt.current = { change, key: randomId() };
    const headers = { 'Idempotency-Key': attempt.current.key };
    const applied = await action.run(
      () => api(`/admin/campaigns/${campaignId}/inventory-adjustments`, { method: 'POST', body, headers }).then(() => true),
      () => Promise.all([trail.reload(), onAdjusted()]),
    );
    if (applied) {
      attempt.current = undefined;
      setDelta('');
      setReason('');
    }
  };

  return (
    <div className="adjustments">
      <h3>Adjust stock</h3>
      <form onSubmit={submit} noValidate aria-label="Adjust stock" className="row">
        <Field label="Change in units" hint="Negative removes units" error={errors.delta}>
          <input inputMode="numeric" value={delta} onChange={(e) => setDelta(e.target.value)} />
        </Field>
        <Field label="Reason" error={errors.reason}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Apply
        </button>
      </form>
      <ErrorNotice error={action.error} />
      <h3>Audit trail</h3>
      <PagedList list={trail} empty="No adjustments yet.">
        {(entry) => (
          <li key={entry.id} data-testid="adjustment">
            <strong>{entry.delta > 0 ? `+${entry.delta}` : entry.delta}</strong> ({entry.totalUnitsBefore} → {entry.totalUnitsAfter} units) · {entry.reason}
            <br />
            <span className="muted">
              by {entry.adminId === me?.id ? 'you' : `admin ${shortId(entry.adminId)}`}, {formatDateTime(entry.createdAt)}
            </span>
          </li>
        )}
      </PagedList>
    </div>
  );
}

