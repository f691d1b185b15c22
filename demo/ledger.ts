/**
 * Where the share price went: a replay is cut into segments between reads of the vault, and each
 * segment's change of the share price is split into what moved it, each part measured on its
 * own (funding from the market's events and the open accrual, trading from the venues' fills
 * against the oracle, entry and exit charges from the flows' assets and shares). What the parts
 * do not explain is the residual, printed, never folded into a part. Costs are signed: a trade
 * that fills better than the oracle shows as a negative cost.
 *
 * Share price here is ERC-4626's exact ratio with the vault's virtual shares and asset,
 * (totalAssets + 1) / (totalSupply + 10^offset), in asset units per share unit. Figures are
 * floats: they are a report of amounts that moved on chain as bigints, not amounts to move.
 */

/** The vault's decimals offset (virtual shares 10^6), as DeltaNeutralVault declares it. */
export const VIRTUAL_SHARES = 10n ** 6n;
/** Asset units per (spot base unit x WAD price): 1e18 base units, 1e18 price, 1e6 asset units. */
const VALUE_SCALE = 10n ** 30n;

/** The vault as read at one moment. */
export interface Checkpoint {
  totalAssets: bigint;
  totalSupply: bigint;
  spotQty: bigint;
  shortQty: bigint;
  /** Funding accrued on the open short and not yet settled into margin (+ = owed to the vault). */
  accruedFunding: bigint;
  /** Oracle price, WAD. */
  priceWad: bigint;
  /**
   * What the vault's NAV leaves out of its perp account because the market's pool cannot pay it
   * all now (asset units, >= 0; `perpShortfall`): between trades it moves with the price.
   */
  perpShortfall: bigint;
}

/** The vault's perp account as its venue reports it (IPerpVenue.position), the fields priced here. */
export interface PerpAccount {
  shortSize: bigint;
  entryPrice: bigint;
  margin: bigint;
  marginDebt: bigint;
  unrealizedPnl: bigint;
  accruedFunding: bigint;
  payableEquity: bigint;
  collateral: bigint;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * The part of the perp account's face value the vault's NAV does not count (asset units): the
 * market values an open profit at what its pool would pay now (PerpMarket.positionOf: a share
 * cash / open claims of it once open claims exceed the pool's cash), and the vault values an account
 * the venue cannot pay in full at its payableEquity. The face PnL of the short, size x (entry -
 * oracle), rounds as the market's does: a gain down, a loss up.
 */
export function perpShortfall(p: PerpAccount, priceWad: bigint): bigint {
  const face =
    p.entryPrice >= priceWad
      ? (p.shortSize * (p.entryPrice - priceWad)) / VALUE_SCALE
      : -ceilDiv(p.shortSize * (priceWad - p.entryPrice), VALUE_SCALE);
  const openProfitCut = face - p.unrealizedPnl;
  const account =
    p.margin - p.marginDebt + p.unrealizedPnl + p.accruedFunding + (p.collateral * priceWad) / VALUE_SCALE;
  const unpayable = account > p.payableEquity ? account - p.payableEquity : 0n;
  return openProfitCut + unpayable;
}

/** What happened between two checkpoints, read from the events of its blocks. */
export interface SegmentEvents {
  /** Funding settled into the vault's margin (PositionModified.funding, FundingSettled.funding). */
  settledFunding: bigint;
  /** Spot fills of the vault against the oracle: value given minus value received, asset units. */
  spotCost: bigint;
  /** The vault's spot swaps at the oracle price (the side priced in spot), asset units. */
  spotVolume: bigint;
  /** The vault's perp fills at the oracle price, |sizeDelta| x oracle, asset units. */
  perpVolume: bigint;
  /** Perp taker fees the vault paid. */
  perpFee: bigint;
  /** The venue's charges on exposure grown just before a feed update (OracleEdgeCharged). */
  perpEdgeCharge: bigint;
  /**
   * Profit the venue's pool could not pay in full at a trade: the unpaid part (ProfitReduced owed -
   * paid), booked with the pool's shortfall, not as a trading cost: the NAV already values an open
   * profit at what the pool would pay (`Checkpoint.perpShortfall`), and the trade makes the cut
   * final (on funding too, which the open claim nets against the position's PnL).
   */
  perpUnpaidProfit: bigint;
  /** Perp fills against the oracle: sizeDelta x (fill - oracle), asset units (+ = worse than oracle). */
  perpImpact: bigint;
  /** Execution fees the vault's orders paid at a delayed market's book, less fees refunded on expiry. */
  perpOrderFee: bigint;
  /** Liquidation rewards paid out of the vault's perp equity. */
  liquidationReward: bigint;
  /** Assets paid in by depositors (+) and out to leavers (-). */
  flowAssets: bigint;
  /** Shares minted to depositors (+) and burned from leavers (-). */
  flowShares: bigint;
  /** Shares minted as management and performance fees. */
  feeShares: bigint;
}

export const NO_EVENTS: SegmentEvents = {
  settledFunding: 0n,
  spotCost: 0n,
  spotVolume: 0n,
  perpVolume: 0n,
  perpFee: 0n,
  perpEdgeCharge: 0n,
  perpUnpaidProfit: 0n,
  perpImpact: 0n,
  perpOrderFee: 0n,
  liquidationReward: 0n,
  flowAssets: 0n,
  flowShares: 0n,
  feeShares: 0n,
};

/** How the vault's orders fared on a delayed market, and what waiting for them cost. */
export interface OrderStats {
  submitted: number;
  executed: number;
  /** Cancelled by the book at execution: the fill was outside the order's price bound. */
  cancelledOutOfBounds: number;
  /** Expired without an execution and taken back by the vault's settle (fee refunded). */
  expired: number;
  /** Seconds from submission to execution, summed and at most, over the executed orders. */
  waitSecondsTotal: number;
  waitSecondsMax: number;
  /** Share-price change from the price moving on the book's gap while a round was pending. */
  delayPriceMove: number;
}

/** A run without venue orders (a synchronous venue), and the start of every run's count. */
export const NO_ORDERS: OrderStats = {
  submitted: 0,
  executed: 0,
  cancelledOutOfBounds: 0,
  expired: 0,
  waitSecondsTotal: 0,
  waitSecondsMax: 0,
  delayPriceMove: 0,
};

/** What the vault's perp trades of a segment cost, asset units (+ = cost): fees, charges, fill. */
export function perpCost(ev: SegmentEvents): bigint {
  return ev.perpFee + ev.perpEdgeCharge + ev.perpImpact + ev.perpOrderFee;
}

/**
 * What the market's pool shortfall took from the vault in a segment, asset units (+ = lost): the
 * change of the open profit it would not pay, plus the part a trade made final (ProfitReduced).
 */
export function shortfallLoss(before: Checkpoint, after: Checkpoint, ev: SegmentEvents): bigint {
  return after.perpShortfall - before.perpShortfall + ev.perpUnpaidProfit;
}

/** Rebalances trade for the hedge; flows trade for the depositor (a deposit deployed at once) or the leaver (an unwind). */
export type SegmentKind = "market" | "liquidation" | "flows" | "rebalance";

/** The parts of a share-price change; each is signed (+ raises the share price). */
export interface Parts {
  funding: number;
  priceOnDelta: number;
  hedgeSpotTrading: number;
  hedgePerpFeesAndImpact: number;
  flowTrading: number;
  flowCharges: number;
  fees: number;
  liquidations: number;
  perpShortfall: number;
  residual: number;
}

export const PART_LABELS: Record<keyof Parts, string> = {
  funding: "funding (settled + accrued)",
  priceOnDelta: "price move on the net delta",
  hedgeSpotTrading: "rebalances: spot trading vs oracle",
  hedgePerpFeesAndImpact: "rebalances: perp fees and impact",
  flowTrading: "flows: deployment and unwind trading vs oracle",
  flowCharges: "flows: entry and exit charges",
  fees: "management and performance fees",
  liquidations: "liquidation rewards",
  perpShortfall: "perp profit the market's pool could not pay (open, valued at what it pays, and cut at trades)",
  residual: "residual (not explained by the parts)",
};

const zeroParts = (): Parts => ({
  funding: 0,
  priceOnDelta: 0,
  hedgeSpotTrading: 0,
  hedgePerpFeesAndImpact: 0,
  flowTrading: 0,
  flowCharges: 0,
  fees: 0,
  liquidations: 0,
  perpShortfall: 0,
  residual: 0,
});

/** Exact ERC-4626 share price with virtual shares, asset units per share unit. */
export function sharePrice(c: Pick<Checkpoint, "totalAssets" | "totalSupply">): number {
  return Number(c.totalAssets + 1n) / Number(c.totalSupply + VIRTUAL_SHARES);
}

/**
 * Splits one segment. With supply S1 (virtual shares included) after the segment and price p0
 * before it, a segment that adds assets dA and mints shares dS moves the price by exactly
 * (dA - dS * p0) / S1; dA is split by cause below and dS * p0 is charged to flows and fees.
 */
export function splitSegment(kind: SegmentKind, before: Checkpoint, after: Checkpoint, ev: SegmentEvents): Parts {
  const p0 = sharePrice(before);
  const s1 = Number(after.totalSupply + VIRTUAL_SHARES);
  const perShare = (assets: bigint | number) => Number(assets) / s1;
  const parts = zeroParts();
  parts.funding = perShare(ev.settledFunding + after.accruedFunding - before.accruedFunding);
  parts.priceOnDelta = perShare(
    ((before.spotQty - before.shortQty) * (after.priceWad - before.priceWad)) / VALUE_SCALE,
  );
  const spot = perShare(-ev.spotCost);
  const perp = perShare(-perpCost(ev));
  if (kind === "flows") parts.flowTrading = spot + perp;
  else {
    parts.hedgeSpotTrading = spot;
    parts.hedgePerpFeesAndImpact = perp;
  }
  parts.flowCharges = perShare(Number(ev.flowAssets) - Number(ev.flowShares) * p0);
  parts.fees = perShare(-Number(ev.feeShares) * p0);
  parts.liquidations = perShare(-ev.liquidationReward);
  parts.perpShortfall = perShare(-shortfallLoss(before, after, ev));
  const explained = sumParts(parts);
  parts.residual = sharePrice(after) - p0 - explained;
  return parts;
}

export function sumParts(p: Parts): number {
  return (Object.keys(p) as (keyof Parts)[]).reduce((a, k) => a + p[k], 0);
}

/** Running totals of a replay: parts of the share-price change and the asset amounts behind them. */
export class Ledger {
  readonly parts: Parts = zeroParts();
  /** Asset units, signed (+ = the vault received), over the whole run. */
  readonly amounts = {
    funding: 0n,
    hedgeSpotCost: 0n,
    hedgePerpFeesAndImpact: 0n,
    flowTradingCost: 0n,
    /** What the market's pool shortfall took (+ = lost), whatever the segment. */
    perpShortfall: 0n,
  };
  /** What the rebalances traded, at the oracle price, asset units: the costs' denominators. */
  readonly hedgeVolume = { spot: 0n, perp: 0n };
  /** The rebalances' perp cost by what it is; the parts add up to `amounts.hedgePerpFeesAndImpact`. */
  readonly hedgePerpParts = { takerFee: 0n, fill: 0n, edgeCharge: 0n, orderFee: 0n };
  readonly start: Checkpoint;
  private last: Checkpoint;

  constructor(start: Checkpoint) {
    this.start = start;
    this.last = start;
  }

  get current(): Checkpoint {
    return this.last;
  }

  /** Books the segment from the last checkpoint to `next`. */
  record(kind: SegmentKind, next: Checkpoint, ev: SegmentEvents = NO_EVENTS): Parts {
    const parts = splitSegment(kind, this.last, next, ev);
    for (const k of Object.keys(parts) as (keyof Parts)[]) this.parts[k] += parts[k];
    this.amounts.funding += ev.settledFunding + next.accruedFunding - this.last.accruedFunding;
    this.amounts.perpShortfall += shortfallLoss(this.last, next, ev);
    if (kind === "flows") this.amounts.flowTradingCost += ev.spotCost + perpCost(ev);
    else {
      this.amounts.hedgeSpotCost += ev.spotCost;
      this.amounts.hedgePerpFeesAndImpact += perpCost(ev);
      this.hedgeVolume.spot += ev.spotVolume;
      this.hedgeVolume.perp += ev.perpVolume;
      this.hedgePerpParts.takerFee += ev.perpFee;
      this.hedgePerpParts.fill += ev.perpImpact;
      this.hedgePerpParts.edgeCharge += ev.perpEdgeCharge;
      this.hedgePerpParts.orderFee += ev.perpOrderFee;
    }
    this.last = next;
    return parts;
  }

  /** Share price change over the run, asset units per share unit. */
  get change(): number {
    return sharePrice(this.last) - sharePrice(this.start);
  }

  /** A part (or the total) in bps of the starting share price. */
  bps(value: number): number {
    return (value / sharePrice(this.start)) * 10_000;
  }
}
