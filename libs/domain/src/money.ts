const BPS_DENOMINATOR = 10_000n;

/**
 * Platform fee on a campaign's units cost: `unitsCostCents × feeBps / 10000`, rounded half up,
 * in integer arithmetic (BigInt, so large budgets never lose a cent to floating point).
 */
export function platformFeeCents(unitsCostCents: number, feeBps: number): number {
  assertNonNegativeInteger('unitsCostCents', unitsCostCents);
  assertNonNegativeInteger('feeBps', feeBps);
  const numerator = BigInt(unitsCostCents) * BigInt(feeBps);
  return toSafeNumber((numerator * 2n + BPS_DENOMINATOR) / (BPS_DENOMINATOR * 2n));
}

/** What a brand must pay before launch: every unit's cost plus the platform fee on it. */
export function fundingRequiredCents(totalUnits: number, unitCostCents: number, feeBps: number): number {
  assertNonNegativeInteger('totalUnits', totalUnits);
  assertNonNegativeInteger('unitCostCents', unitCostCents);
  const unitsCost = toSafeNumber(BigInt(totalUnits) * BigInt(unitCostCents));
  return toSafeNumber(BigInt(unitsCost) + BigInt(platformFeeCents(unitsCost, feeBps)));
}

function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${value} cents exceeds the safe integer range`);
  return Number(value);
}
