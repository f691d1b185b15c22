import { MaxUint256 } from "ethers";
import { Band, type Bands, type Strategy, type VaultState } from "../types.js";
import type { Policy } from "./policy.js";

export interface VolatilityPolicyParams {
  /** How many recent distinct oracle prices to measure over (>= 2). */
  window: number;
  /** Realised volatility (RMS return between consecutive prices, bps) at or below which bands are not widened. */
  calmVolBps: bigint;
  /** Realised volatility at or above which soft bands are widened by `maxWidenBps`. */
  stormVolBps: bigint;
  /** Largest widening, as a share (bps) of the gap between each soft threshold and its hard one. */
  maxWidenBps: bigint;
}

const BPS = 10_000n;
const PPM = 1_000_000n;

/** Integer square root (floor) by Newton's method. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/** RMS of the simple returns between consecutive prices, in parts per million (0 with < 2 prices). */
export function realisedVolPpm(prices: readonly bigint[]): bigint {
  let sumSq = 0n;
  let n = 0n;
  for (let i = 1; i < prices.length; i++) {
    const prev = prices[i - 1];
    if (prev <= 0n) continue;
    const r = ((prices[i] - prev) * PPM) / prev;
    sumSq += r * r;
    n++;
  }
  return n === 0n ? 0n : isqrt(sumSq / n);
}

/** How far (bps of the soft→hard gap) the soft thresholds move for a realised volatility. */
export function widenBps(volPpm: bigint, p: VolatilityPolicyParams): bigint {
  const calm = p.calmVolBps * 100n;
  const storm = p.stormVolBps * 100n;
  if (volPpm <= calm) return 0n;
  if (volPpm >= storm) return p.maxWidenBps;
  return (p.maxWidenBps * (volPpm - calm)) / (storm - calm);
}

/** A soft threshold moved `w` bps of the way towards its hard threshold (works in both directions). */
function toward(soft: bigint, hard: bigint, w: bigint): bigint {
  return soft + ((hard - soft) * w) / BPS;
}

/** The bands a widened soft tier would breach at this state, the most urgent first. */
export function widenedSoftBreach(state: VaultState, bands: Bands, strategy: Strategy, w: bigint): Band {
  const absDelta = state.deltaBps < 0n ? -state.deltaBps : state.deltaBps;
  // The vault reports the largest ratio when the short has no margin band (none, or dust: see
  // VaultMath.DUST_SHORT_NOTIONAL_UNITS); its own classify skips the margin bands then.
  const hasMarginBand = state.marginRatioBps !== MaxUint256;
  const idleExcess = state.idleBps > strategy.idleBufferBps ? state.idleBps - strategy.idleBufferBps : 0n;
  if (state.marginRatioBps < toward(bands.minMarginRatioSoftBps, bands.minMarginRatioHardBps, w)) return Band.MarginLow;
  if (absDelta > toward(bands.deltaSoftBps, bands.deltaHardBps, w)) return Band.Delta;
  if (hasMarginBand && state.marginRatioBps > toward(bands.maxMarginRatioSoftBps, bands.maxMarginRatioHardBps, w))
    return Band.MarginHigh;
  if (idleExcess > toward(bands.idleSoftBps, bands.idleHardBps, w)) return Band.Idle;
  return Band.None;
}

/**
 * Volatility-adjusted: when recent oracle prices are choppy, a soft breach is likely to revert by
 * itself and a rebalance would pay costs twice, so each soft threshold is moved towards its hard
 * threshold by a share that grows linearly from 0 (realised volatility <= calmVolBps) to
 * maxWidenBps (>= stormVolBps). The hard thresholds never move, so the keeper still acts on every
 * hard breach; with calm prices the policy is exactly the threshold policy.
 */
export function volatilityPolicy(params: VolatilityPolicyParams): Policy {
  return {
    name: "volatility",
    describe: () =>
      `widen soft bands by up to ${params.maxWidenBps} bps of the soft-to-hard gap as realised volatility over ` +
      `${params.window} prices rises from ${params.calmVolBps} to ${params.stormVolBps} bps`,
    evaluate: ({ state, bands, strategy, prices }) => {
      const vol = realisedVolPpm(prices.slice(-params.window));
      const w = widenBps(vol, params);
      if (w === 0n) return { act: true, note: `soft band breached, volatility ${vol} ppm is calm` };
      const band = widenedSoftBreach(state, bands, strategy, w);
      return band !== Band.None
        ? { act: true, note: `widened (${w} bps) soft band still breached at volatility ${vol} ppm` }
        : { act: false, detail: `volatility ${vol} ppm widens soft bands by ${w} bps; not breached` };
    },
  };
}
