import type { CampaignStatus, ClaimStatus, PerkKind } from '../api/types';

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

export const formatMoney = (cents: number) => money.format(cents / 100);
export const formatDateTime = (iso: string | null | undefined) => (iso ? `${dateTime.format(new Date(iso))} UTC` : '—');
export const formatDate = (iso: string | null | undefined) => (iso ? date.format(new Date(iso)) : '—');

export const PERK_KIND_LABEL: Record<PerkKind, string> = {
  digital_code: 'Digital code',
  physical: 'Physical product',
  experience: 'Experience',
};

export const CAMPAIGN_STATUS_LABEL: Record<CampaignStatus, string> = {
  draft: 'Draft',
  funded: 'Funded',
  scheduled: 'Scheduled',
  active: 'Live',
  paused: 'Paused',
  ended: 'Ended',
  sold_out: 'Sold out',
};

export const CLAIM_STATUS_LABEL: Record<ClaimStatus, string> = {
  pending: 'On its way',
  fulfilled: 'Delivered',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** `{US: 3}` or `[{country: 'US', count: 3}]` → sorted `[label, value]` pairs, largest first. */
export function toPairs(data: Record<string, number> | { [key: string]: string | number }[] | undefined | null): [string, number][] {
  if (!data) return [];
  const pairs: [string, number][] = Array.isArray(data)
    ? data.map((row) => {
        const values = Object.values(row);
        const label = values.find((value) => typeof value === 'string');
        const count = values.find((value) => typeof value === 'number');
        return [String(label ?? '?'), Number(count ?? 0)];
      })
    : Object.entries(data).map(([key, value]) => [key, Number(value)]);
  return pairs.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
