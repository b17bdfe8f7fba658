import { Actor, createBrand, createMember, loginAdmin, TestApp } from '@app/testing';
import { campaignBody, createLaunchable } from '../campaign-fixtures';
import { offer } from '../claims/claims-fixtures';

export type ActorName = 'anonymous' | 'member' | 'otherMember' | 'brand' | 'otherBrand' | 'admin';

/** Those who should be refused first, so that no allowed call changes what they see. */
export const ACTORS: ActorName[] = ['anonymous', 'otherMember', 'otherBrand', 'member', 'brand', 'admin'];

/**
 * The cast of the security specs: `member` and `brand` own the objects, `otherMember` and
 * `otherBrand` are strangers to them.
 */
export interface World {
  actors: Record<Exclude<ActorName, 'anonymous'>, Actor>;
  /** the brand's draft campaign */
  draftCampaignId: string;
  /** the brand's live campaign; the member was offered it and claimed it */
  activeCampaignId: string;
  /** the member's claim on the live campaign */
  claimId: string;
}

export function authOf(world: World, actor: ActorName): string | undefined {
  return actor === 'anonymous' ? undefined : world.actors[actor].auth;
}

export async function createDraft(t: TestApp, brand: Actor): Promise<string> {
  const res = await t.http.post('/campaigns').set('Authorization', brand.auth).send(campaignBody({ perk: { kind: 'experience', title: 'Tasting', unitCostCents: 500 }, totalUnits: 50 }));
  if (res.status !== 201) throw new Error(`create campaign: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A launched campaign of `brand` that `member` was offered (the offer row stands in for the matching worker). */
export async function createActive(t: TestApp, brand: Actor, admin: Actor, offeredTo: Actor[]): Promise<string> {
  const id = await createLaunchable(t, brand, admin, { perk: { kind: 'experience', title: 'Tasting', unitCostCents: 500 }, totalUnits: 50 });
  const launch = await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth);
  if (launch.status !== 200) throw new Error(`launch: ${launch.status} ${JSON.stringify(launch.body)}`);
  await offer(t.dataSource, id, offeredTo);
  return id;
}

export async function claim(t: TestApp, member: Actor, campaignId: string, key = `k-${Date.now()}-${Math.random()}`): Promise<string> {
  const res = await t.http.post(`/campaigns/${campaignId}/claims`).set('Authorization', member.auth).set('Idempotency-Key', key).send({ acceptDisclosure: true });
  if (res.status !== 201) throw new Error(`claim: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function buildWorld(t: TestApp): Promise<World> {
  const [member, otherMember, brand, otherBrand, admin] = await Promise.all([
    createMember(t.http, 'member'),
    createMember(t.http, 'other-member'),
    createBrand(t.http, 'brand'),
    createBrand(t.http, 'other-brand'),
    loginAdmin(t.http),
  ]);
  const draftCampaignId = await createDraft(t, brand);
  const activeCampaignId = await createActive(t, brand, admin, [member, otherMember]);
  const claimId = await claim(t, member, activeCampaignId);
  return { actors: { member, otherMember, brand, otherBrand, admin }, draftCampaignId, activeCampaignId, claimId };
}
