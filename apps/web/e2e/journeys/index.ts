import type { Journey } from '../world';
import { adjustStockAndReadLedger, approveCampaign, fixFailedClaims, rejectCampaign, releaseHeldClaim, shipPhysicalPerk } from './admin';
import { buildCampaign, fitPhoneScreens, launchPauseResume, uploadCodesAndPay, watchDashboardAndEnd } from './brand';
import { claimDigitalPerk, claimPhysicalPerkAndWhyNot, followClaimsAcrossPages, renewAndEndSession, signUpAndCompleteProfile, twoAccountsOneBrowser } from './member';

/** In story order: each journey builds on what the earlier ones created (see World). */
export const JOURNEYS: Journey[] = [
  signUpAndCompleteProfile,
  buildCampaign,
  uploadCodesAndPay,
  approveCampaign,
  adjustStockAndReadLedger,
  launchPauseResume,
  rejectCampaign,
  claimDigitalPerk,
  claimPhysicalPerkAndWhyNot,
  followClaimsAcrossPages,
  renewAndEndSession,
  twoAccountsOneBrowser,
  shipPhysicalPerk,
  releaseHeldClaim,
  fixFailedClaims,
  watchDashboardAndEnd,
  fitPhoneScreens,
];
