/**
 * Plausible one-line bugs in the vault's maths libraries, for `npm run mutate`: boundary flips
 * (`<` to `<=`), rounding direction swaps (Floor to Ceil), off-by-ones and dropped factors. Each
 * names the exact source text it changes, so a mutation whose text has been edited away is
 * reported as skipped rather than applied somewhere else.
 */

export interface Mutation {
  id: string;
  /** Source file, relative to the repository root. */
  file: string;
  /** Exact text to change; it must occur once in the file. */
  from: string;
  to: string;
  /** What the bug would be. */
  why: string;
}

export interface Target {
  file: string;
  /** Test files run against each mutation of `file` (Solidity and/or mocha). */
  tests: string[];
}

export const TARGETS: Target[] = [
  {
    file: "contracts/libraries/VaultMath.sol",
    tests: ["test/vault/VaultMath.t.sol", "test/libraries/VaultMathBoundaries.t.sol"],
  },
  {
    file: "contracts/libraries/OracleLib.sol",
    tests: ["test/oracle/OracleLib.t.sol", "test/libraries/OracleLibBoundaries.t.sol"],
  },
];

const VM = "contracts/libraries/VaultMath.sol";
const OL = "contracts/libraries/OracleLib.sol";
const ceil = (call: string) => call.replace(/\)$/, ", Math.Rounding.Ceil)");

export const MUTATIONS: Mutation[] = [
  // ---- VaultMath: band classification -------------------------------------------------------
  {
    id: "VM-01",
    file: VM,
    from: "hasShort && ratio < b.minMarginRatioHardBps",
    to: "hasShort && ratio <= b.minMarginRatioHardBps",
    why: "hard margin floor includes its threshold",
  },
  {
    id: "VM-02",
    file: VM,
    from: "absDelta > b.deltaHardBps",
    to: "absDelta >= b.deltaHardBps",
    why: "hard delta band includes its threshold",
  },
  {
    id: "VM-03",
    file: VM,
    from: "hasShort && ratio > b.maxMarginRatioHardBps",
    to: "hasShort && ratio >= b.maxMarginRatioHardBps",
    why: "hard margin ceiling includes its threshold",
  },
  {
    id: "VM-04",
    file: VM,
    from: "idleExcess > b.idleHardBps",
    to: "idleExcess >= b.idleHardBps",
    why: "hard idle band includes its threshold",
  },
  {
    id: "VM-05",
    file: VM,
    from: "hasShort && ratio < b.minMarginRatioSoftBps",
    to: "hasShort && ratio <= b.minMarginRatioSoftBps",
    why: "soft margin floor includes its threshold",
  },
  {
    id: "VM-06",
    file: VM,
    from: "absDelta > b.deltaSoftBps",
    to: "absDelta >= b.deltaSoftBps",
    why: "soft delta band includes its threshold",
  },
  {
    id: "VM-07",
    file: VM,
    from: "hasShort && ratio > b.maxMarginRatioSoftBps",
    to: "hasShort && ratio >= b.maxMarginRatioSoftBps",
    why: "soft margin ceiling includes its threshold",
  },
  {
    id: "VM-08",
    file: VM,
    from: "hasShort && ratio > b.maxMarginRatioSoftBps",
    to: "ratio > b.maxMarginRatioSoftBps",
    why: "a book with no short (ratio = max) reads as excess margin",
  },
  {
    id: "VM-09",
    file: VM,
    from: "idleExcess > b.idleSoftBps",
    to: "idleExcess >= b.idleSoftBps",
    why: "soft idle band includes its threshold",
  },
  {
    id: "VM-10",
    file: VM,
    from: "idleRatio > idleBufferBps ? idleRatio - idleBufferBps : 0",
    to: "idleRatio > idleBufferBps ? idleRatio - idleBufferBps + 1 : 0",
    why: "idle excess off by one",
  },
  // ---- VaultMath: measurements ----------------------------------------------------------------
  {
    id: "VM-11",
    file: VM,
    from: "Math.mulDiv(s.gapValue, BPS, s.totalAssets)",
    to: ceil("Math.mulDiv(s.gapValue, BPS, s.totalAssets)"),
    why: "delta rounded up (a unit of rounding reads as a breach)",
  },
  {
    id: "VM-12",
    file: VM,
    from: "s.spotQty >= s.shortQty ? int256(gapBps)",
    to: "s.spotQty <= s.shortQty ? int256(gapBps)",
    why: "delta sign flipped",
  },
  {
    id: "VM-13",
    file: VM,
    from: "Math.mulDiv(equityOrZero(s), BPS, s.shortNotional)",
    to: ceil("Math.mulDiv(equityOrZero(s), BPS, s.shortNotional)"),
    why: "margin ratio rounded up (in the vault's disfavour near the floor)",
  },
  {
    id: "VM-14",
    file: VM,
    from: "Math.mulDiv(s.idle, BPS, s.totalAssets)",
    to: ceil("Math.mulDiv(s.idle, BPS, s.totalAssets)"),
    why: "idle share rounded up",
  },
  {
    id: "VM-15",
    file: VM,
    from: "return x > 0 ? uint256(x) : 0;",
    to: "return x > 1 ? uint256(x) : 0;",
    why: "positive part off by one",
  },
  // ---- VaultMath: targets and bounds ----------------------------------------------------------
  {
    id: "VM-16",
    file: VM,
    from: "Math.mulDiv(totalAssets, BPS - idleBufferBps, BPS)",
    to: ceil("Math.mulDiv(totalAssets, BPS - idleBufferBps, BPS)"),
    why: "deployable rounded up (over-deploys)",
  },
  {
    id: "VM-17",
    file: VM,
    from: "Math.mulDiv(deployable, leverageBps, leverageBps + BPS)",
    to: ceil("Math.mulDiv(deployable, leverageBps, leverageBps + BPS)"),
    why: "target spot rounded up (over-deploys)",
  },
  {
    id: "VM-18",
    file: VM,
    from: "Math.mulDiv(notional, BPS, leverageBps, Math.Rounding.Ceil)",
    to: "Math.mulDiv(notional, BPS, leverageBps, Math.Rounding.Floor)",
    why: "target margin rounded down (under-margined)",
  },
  {
    id: "VM-19",
    file: VM,
    from: "Math.mulDiv(amount, BPS - bps, BPS)",
    to: ceil("Math.mulDiv(amount, BPS - bps, BPS)"),
    why: "worst accepted output rounded up",
  },
  {
    id: "VM-20",
    file: VM,
    from: "Math.mulDiv(amount, BPS + bps, BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(amount, BPS + bps, BPS, Math.Rounding.Floor)",
    why: "worst accepted buy price rounded down",
  },
  // ---- VaultMath: unwind ----------------------------------------------------------------------
  {
    id: "VM-21",
    file: VM,
    from: "Math.mulDiv(s.shortNotional, buyBackCostBps(slippageBps), BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(s.shortNotional, buyBackCostBps(slippageBps), BPS, Math.Rounding.Floor)",
    why: "buy-back cost bound rounded down",
  },
  {
    id: "VM-22",
    file: VM,
    from: "return 2 * slippageBps + PERP_PREMIUM_ALLOWANCE_BPS;",
    to: "return slippageBps + PERP_PREMIUM_ALLOWANCE_BPS;",
    why: "buy-back cost forgets the fee on top of the fill bound",
  },
  {
    id: "VM-23",
    file: VM,
    from: "Math.mulDiv(shortfall + UNWIND_ROUNDING_UNITS, WAD, worstProceedsOfAll, Math.Rounding.Ceil)",
    to: "Math.mulDiv(shortfall + UNWIND_ROUNDING_UNITS, WAD, worstProceedsOfAll, Math.Rounding.Floor)",
    why: "unwind fraction rounded down (proceeds fall short)",
  },
  {
    id: "VM-23b",
    file: VM,
    from: "shortfall + UNWIND_ROUNDING_UNITS, WAD",
    to: "shortfall, WAD",
    why: "unwind sized without the roundings' allowance (a small withdraw cannot pay)",
  },
  {
    id: "VM-24",
    file: VM,
    from: "Math.mulDiv(value, WAD, deployed, Math.Rounding.Ceil)",
    to: "Math.mulDiv(value, WAD, deployed, Math.Rounding.Floor)",
    why: "fraction for value rounded down",
  },
  {
    id: "VM-25",
    file: VM,
    from: "Math.mulDiv(atWorst, fractionWad, WAD * BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(atWorst, fractionWad, WAD * BPS, Math.Rounding.Floor)",
    why: "worst unwind cost rounded down",
  },
  {
    id: "VM-26",
    file: VM,
    from: "s.shortNotional * buyBackCostBps(slippageBps)",
    to: "s.shortNotional * slippageBps",
    why: "worst unwind cost charges the short only the slippage",
  },
  {
    id: "VM-27",
    file: VM,
    from: "plusBps(price, slippageBps + PERP_PREMIUM_ALLOWANCE_BPS)",
    to: "plusBps(price, slippageBps)",
    why: "buy-back fill bound without the premium allowance",
  },
  {
    id: "VM-28",
    file: VM,
    from: "UNWIND_ROUNDING_UNITS = 4;",
    to: "UNWIND_ROUNDING_UNITS = 3;",
    why: "rounding allowance off by one",
  },
  // ---- VaultMath: entry charge ----------------------------------------------------------------
  {
    id: "VM-33",
    file: VM,
    from: "BPS * (leverageBps + BPS),\n            Math.Rounding.Ceil",
    to: "BPS * (leverageBps + BPS),\n            Math.Rounding.Floor",
    why: "deployed share of a deposit rounded down",
  },
  {
    id: "VM-34",
    file: VM,
    from: "Math.mulDiv(spotShareWad, 3 * slippageBps, BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(spotShareWad, 3 * slippageBps, BPS, Math.Rounding.Floor)",
    why: "entry charge rounded down (holders pay the rest)",
  },
  {
    id: "VM-35",
    file: VM,
    from: "Math.mulDiv(spotShareWad, 3 * slippageBps, BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(spotShareWad, 2 * slippageBps, BPS, Math.Rounding.Ceil)",
    why: "entry charge forgets the short's fee",
  },
  // ---- VaultMath: rebalance plan --------------------------------------------------------------
  {
    id: "VM-36",
    file: VM,
    from: "Math.min(Math.min(b.deltaSoftBps, b.idleSoftBps), 4 * MAX_SKIP_BPS)",
    to: "Math.min(Math.min(b.deltaSoftBps, b.idleSoftBps), 4 * MAX_SKIP_BPS + 1)",
    why: "narrowest-band cap off by one",
  },
  {
    id: "VM-37",
    file: VM,
    from: "Math.mulDiv(s.totalAssets, p.narrowestBandBps, 4 * BPS)",
    to: ceil("Math.mulDiv(s.totalAssets, p.narrowestBandBps, 4 * BPS)"),
    why: "skip tolerance rounded up",
  },
  {
    id: "VM-60",
    file: VM,
    from: "Math.max(targetMargin(spotTarget, p.leverageBps), heldMargin)",
    to: "targetMargin(spotTarget, p.leverageBps)",
    why: "margin the held short still needs is freed before it shrinks",
  },
  {
    id: "VM-38",
    file: VM,
    from: "equity > plannedMargin + tolerance",
    to: "equity >= plannedMargin + tolerance",
    why: "margin freed at exactly the tolerance",
  },
  {
    id: "VM-39",
    file: VM,
    from: "Math.mulDiv(spotTarget, p.slippageBps, BPS, Math.Rounding.Ceil)",
    to: "Math.mulDiv(spotTarget, p.slippageBps, BPS, Math.Rounding.Floor)",
    why: "fee reserve rounded down",
  },
  {
    id: "VM-40",
    file: VM,
    from: "s.perpMargin - feeReserve : 0;",
    to: "s.perpMargin - feeReserve : freed;",
    why: "settled margin under the fee reserve is freed anyway",
  },
  {
    id: "VM-41",
    file: VM,
    from: "freed <= s.perpMargin && ",
    to: "freed < s.perpMargin && ",
    why: "freeing all settled margin keeps no fee reserve",
  },
  {
    id: "VM-42",
    file: VM,
    from: "heldMargin > equity + tolerance",
    to: "heldMargin >= equity + tolerance",
    why: "margin topped up at exactly the tolerance",
  },
  {
    id: "VM-43",
    file: VM,
    from: "plan.marginIn = Math.min(heldMargin - equity, idle);",
    to: "plan.marginIn = heldMargin - equity;",
    why: "rescue top-up not capped at idle",
  },
  {
    id: "VM-44",
    file: VM,
    from: "spotTarget > s.spotValue + tolerance",
    to: "spotTarget >= s.spotValue + tolerance",
    why: "spot bought at exactly the tolerance",
  },
  {
    id: "VM-45",
    file: VM,
    from: "s.spotValue > spotTarget + tolerance",
    to: "s.spotValue >= spotTarget + tolerance",
    why: "spot sold at exactly the tolerance",
  },
  {
    id: "VM-46",
    file: VM,
    from: "OracleLib.quoteToBaseUp(s.spotValue - spotTarget, s.price, 18, p.assetDecimals)",
    to: "OracleLib.quoteToBaseDown(s.spotValue - spotTarget, s.price, 18, p.assetDecimals)",
    why: "spot to sell rounded down",
  },
  {
    id: "VM-47",
    file: VM,
    from: "OracleLib.baseToQuoteUp(spotQty, price, 18, p.assetDecimals)",
    to: "OracleLib.baseToQuoteDown(spotQty, price, 18, p.assetDecimals)",
    why: "hedge notional rounded down (under-margined short)",
  },
  {
    id: "VM-48",
    file: VM,
    from: "if (plan.marginTarget > equity)",
    to: "if (plan.marginTarget > equity + 1)",
    why: "hedge margin top-up off by one",
  },
  // ---- VaultMath: progress check of a partial rebalance ---------------------------------------
  {
    id: "VM-49",
    file: VM,
    from: "_excess(SignedMath.abs(deltaBps(s)), b.deltaSoftBps)",
    to: "_excess(SignedMath.abs(deltaBps(s)), b.deltaSoftBps + 1)",
    why: "delta breach measured off by one",
  },
  {
    id: "VM-50",
    file: VM,
    from: "_excess(idleBps(s), idleBufferBps + b.idleSoftBps)",
    to: "_excess(idleBps(s), b.idleSoftBps)",
    why: "idle breach forgets the buffer",
  },
  {
    id: "VM-51",
    file: VM,
    from: "if (!hasMarginBand(s)) return 0;",
    to: "",
    why: "a book without a short reads as a margin breach",
  },
  {
    id: "VM-51b",
    file: VM,
    from: "return s.shortNotional > DUST_SHORT_NOTIONAL_UNITS;",
    to: "return s.shortNotional != 0;",
    why: "a dust short has margin bands (a bank run's dust blocks every rebalance)",
  },
  {
    id: "VM-52",
    file: VM,
    from: "left != 0 && left >= breachBps(before, band, b, idleBufferBps)",
    to: "left >= breachBps(before, band, b, idleBufferBps)",
    why: "a cleared band counts as no progress",
  },
  {
    id: "VM-53",
    file: VM,
    from: "left != 0 && left >= breachBps(before, band, b, idleBufferBps)",
    to: "left != 0 && left > breachBps(before, band, b, idleBufferBps)",
    why: "no progress accepted as progress",
  },
  {
    id: "VM-54",
    file: VM,
    from: "now_ > breachBps(before, x, b, idleBufferBps)",
    to: "now_ >= breachBps(before, x, b, idleBufferBps)",
    why: "an unchanged hard breach counts as worse",
  },
  {
    id: "VM-55",
    file: VM,
    from: "i <= uint256(IDeltaNeutralVault.Band.Idle)",
    to: "i < uint256(IDeltaNeutralVault.Band.Idle)",
    why: "the idle band is left out of the worsening check",
  },
  {
    id: "VM-56",
    file: VM,
    from: "return SignedMath.abs(deltaBps(s)) > b.deltaHardBps;",
    to: "return SignedMath.abs(deltaBps(s)) >= b.deltaHardBps;",
    why: "delta at its hard band counts as past it",
  },
  {
    id: "VM-57",
    file: VM,
    from: "return idleBps(s) > idleBufferBps + b.idleHardBps;",
    to: "return idleBps(s) >= idleBufferBps + b.idleHardBps;",
    why: "idle at its hard band counts as past it",
  },
  {
    id: "VM-58",
    file: VM,
    from: "return marginRatioBps(s) < b.minMarginRatioHardBps;",
    to: "return marginRatioBps(s) <= b.minMarginRatioHardBps;",
    why: "margin at its hard floor counts as past it",
  },
  {
    id: "VM-59",
    file: VM,
    from: "return marginRatioBps(s) > b.maxMarginRatioHardBps;",
    to: "return marginRatioBps(s) >= b.maxMarginRatioHardBps;",
    why: "margin at its hard ceiling counts as past it",
  },
  // ---- VaultMath: fees ------------------------------------------------------------------------
  {
    id: "VM-29",
    file: VM,
    from: "Math.mulDiv(f.nav, f.managementFeeBps * f.elapsed, BPS * 365 days)",
    to: ceil("Math.mulDiv(f.nav, f.managementFeeBps * f.elapsed, BPS * 365 days)"),
    why: "management fee rounded up (against holders)",
  },
  {
    id: "VM-30",
    file: VM,
    from: "f.performanceFeeBps != 0 && price > f.highWaterMark",
    to: "f.performanceFeeBps != 0 && price > f.highWaterMark + 1",
    why: "no performance fee on the first unit above the high-water mark",
  },
  {
    id: "VM-31",
    file: VM,
    from: "feeAssets >= f.nav",
    to: "feeAssets > f.nav",
    why: "a fee of the whole NAV is minted",
  },
  {
    id: "VM-32",
    file: VM,
    from: "f.nav + 1 - feeAssets",
    to: "f.nav - feeAssets",
    why: "fee shares forget the virtual asset",
  },
  // ---- OracleLib: feed answer -----------------------------------------------------------------
  {
    id: "OL-01",
    file: OL,
    from: "updatedAt == 0 ||",
    to: "updatedAt == 1 ||",
    why: "a round with no timestamp passes the completeness check",
  },
  {
    id: "OL-02",
    file: OL,
    from: "updatedAt > block.timestamp",
    to: "updatedAt >= block.timestamp",
    why: "a round stamped now is refused",
  },
  {
    id: "OL-03",
    file: OL,
    from: "answeredInRound < roundId",
    to: "answeredInRound <= roundId",
    why: "a complete round is refused",
  },
  {
    id: "OL-04",
    file: OL,
    from: "block.timestamp - updatedAt > feed.heartbeat",
    to: "block.timestamp - updatedAt >= feed.heartbeat",
    why: "a round exactly one heartbeat old is stale",
  },
  {
    id: "OL-05",
    file: OL,
    from: "if (answer <= 0) revert IOracleErrors.OracleNonPositivePrice",
    to: "if (answer < 0) revert IOracleErrors.OracleNonPositivePrice",
    why: "a zero price is accepted",
  },
  // ---- OracleLib: sequencer -------------------------------------------------------------------
  {
    id: "OL-06",
    file: OL,
    from: "if (answer != 0) revert IOracleErrors.SequencerDown",
    to: "if (answer > 1) revert IOracleErrors.SequencerDown",
    why: "a down sequencer (answer 1) is accepted",
  },
  {
    id: "OL-07",
    file: OL,
    from: "block.timestamp - startedAt <= gracePeriod",
    to: "block.timestamp - startedAt < gracePeriod",
    why: "prices trusted at the last second of the grace period",
  },
  {
    id: "OL-08",
    file: OL,
    from: "startedAt == 0 || block.timestamp",
    to: "block.timestamp",
    why: "a sequencer feed with no round counts as up",
  },
  // ---- OracleLib: decimals and conversions ----------------------------------------------------
  {
    id: "OL-09",
    file: OL,
    from: "if (decimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(decimals);",
    to: "if (decimals >= MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(decimals);",
    why: "an 18-decimal feed is refused",
  },
  {
    id: "OL-10",
    file: OL,
    from: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Floor)",
    to: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Ceil)",
    why: "base->quote rounded up where it pays out",
  },
  {
    id: "OL-11",
    file: OL,
    from: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Ceil)",
    to: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Floor)",
    why: "base->quote rounded down where it is owed",
  },
  {
    id: "OL-12",
    file: OL,
    from: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Floor)",
    to: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Ceil)",
    why: "quote->base rounded up where it pays out",
  },
  {
    id: "OL-13",
    file: OL,
    from: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Ceil)",
    to: "_baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Floor)",
    why: "quote->base rounded down where it is owed",
  },
  {
    id: "OL-14",
    file: OL,
    from: "if (baseDecimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(baseDecimals);",
    to: "if (baseDecimals > MAX_DECIMALS + 1) revert IOracleErrors.DecimalsTooLarge(baseDecimals);",
    why: "a 19-decimal base token is accepted",
  },
  {
    id: "OL-15",
    file: OL,
    from: "if (quoteDecimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(quoteDecimals);",
    to: "if (quoteDecimals >= MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(quoteDecimals);",
    why: "an 18-decimal quote token is refused",
  },
  {
    id: "OL-16",
    file: OL,
    from: "return answer * 10 ** (WAD_DECIMALS - decimals);",
    to: "return answer * 10 ** (WAD_DECIMALS - decimals + 1);",
    why: "feed scaling off by one decimal",
  },
  // ---- OracleLib: aggregator bounds and the asset's own price --------------------------------
  {
    id: "OL-17",
    file: OL,
    from: "answer <= minAnswer",
    to: "answer < minAnswer",
    why: "an answer pinned at minAnswer is accepted",
  },
  {
    id: "OL-18",
    file: OL,
    from: "answer >= maxAnswer",
    to: "answer > maxAnswer",
    why: "an answer pinned at maxAnswer is accepted",
  },
  {
    id: "OL-19",
    file: OL,
    from: "maxAnswer != 0 && (answer <= minAnswer",
    to: "(answer <= minAnswer",
    why: "a feed without known bounds is checked against (0, 0)",
  },
  {
    id: "OL-20",
    file: OL,
    from: "return (low, high);",
    to: "return (high, low);",
    why: "answer bounds returned swapped",
  },
  {
    id: "OL-21",
    file: OL,
    from: "Math.mulDiv(baseUsdWad, WAD, quoteUsdWad)",
    to: "Math.mulDiv(baseUsdWad, WAD, quoteUsdWad, Math.Rounding.Ceil)",
    why: "price in the asset rounded up",
  },
];
