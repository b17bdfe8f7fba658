import { jobIdFor } from './outbox';

/**
 * The BullMQ job id of a claim's fulfillment round: `claim.<id>` at claim time, `claim.<id>.r<n>`
 * after the n-th admin retry, so a retry is a new job while a replayed round stays one job.
 */
export function fulfillClaimJobId(claimId: string, round: number): string {
  return round === 0 ? jobIdFor('claim', claimId) : jobIdFor('claim', claimId, `r${round}`);
}

/** The round a fulfillment job id belongs to (see {@link fulfillClaimJobId}). */
export function roundOfFulfillJob(jobId: string | undefined): number {
  const match = /\.r(\d+)$/.exec(jobId ?? '');
  return match ? Number(match[1]) : 0;
}
