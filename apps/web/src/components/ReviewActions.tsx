import { FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useAction } from '../api/hooks';
import type { Campaign } from '../api/types';
import { Field } from './Field';
import { ErrorNotice } from './States';

/** Admin approve / reject-with-reason for one campaign. */
export function ReviewActions({ campaign, onDone }: { campaign: Campaign; onDone: () => Promise<void> }) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();
  const action = useAction();

  const approve = async () => {
    await action.run(() => api(`/admin/campaigns/${campaign.id}/approve`, { method: 'POST' }), onDone);
  };

  const reject = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) return setReasonError('Tell the brand why, so they can fix it.');
    setReasonError(undefined);
    await action.run(() => api(`/admin/campaigns/${campaign.id}/reject`, { method: 'POST', body: { reason: reason.trim() } }), onDone);
  };

  return (
    <div className="review-actions">
      <div className="actions">
        <button type="button" className="primary" onClick={approve} disabled={action.busy}>
          Approve
        </button>
        <button type="button" className="danger" onClick={() => setRejecting(!rejecting)} aria-expanded={rejecting} disabled={action.busy}>
          Reject…
        </button>
      </div>
      {rejecting && (
        <form onSubmit={reject} noValidate aria-label={`Reject ${campaign.name}`}>
          <Field label="Reason for the brand" error={reasonError}>
            <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <button type="submit" className="danger" disabled={action.busy}>
            Reject campaign
          </button>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </div>
  );
}
