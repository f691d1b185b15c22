/** The read-only panels: notices, the account's position and the vault's state. */
import type { DecodedRevert } from "../revert.js";
import { formatAmount, formatBps, formatDuration, formatUsdWad } from "../units.js";
import type { Account, Bands, FeedRound, VaultMeta, VaultState } from "../vault.js";
import { byId, h, renderFacts } from "./dom.js";

/** Names of IDeltaNeutralVault.Band and .Tier, by enum value (the ABI carries only numbers). */
const BAND_TEXT = ["none", "delta", "margin ratio too low", "margin ratio too high", "idle cash"];
const TIER_TEXT = ["", "soft: a keeper may rebalance", "hard: anyone may rebalance"];
const UINT256_MAX = (1n << 256n) - 1n;

export interface Snapshot {
  blockNumber: number;
  timestamp: bigint;
  state?: VaultState;
  /** Why `vaultState()` failed, when it did (e.g. a stale feed). */
  stateError?: DecodedRevert;
  bands: Bands;
  /** The vault's per-trade slippage bound, bps. */
  maxSlippageBps: bigint;
  feed: FeedRound;
  depositCap: bigint;
  /** maxDeposit for anyone; undefined when the vault cannot price its books. */
  maxDeposit?: bigint;
  account?: Account;
}

export interface Notice {
  id: string;
  kind: "warn" | "error" | "info";
  text: string;
  action?: { label: string; run: () => void };
}

export function renderNotices(notices: Notice[]) {
  byId("notices").replaceChildren(
    ...notices.map((n) => {
      const box = h("div", {
        class: `notice ${n.kind}`,
        "data-notice": n.id,
        role: n.kind === "info" ? "status" : "alert",
      });
      box.append(h("p", {}, n.text));
      if (n.action) {
        const b = h("button", { type: "button" }, n.action.label);
        b.addEventListener("click", n.action.run);
        box.append(b);
      }
      return box;
    }),
  );
}

export function renderPosition(meta: VaultMeta, account: Account | undefined, connected: boolean) {
  const dl = byId("position");
  if (!account) {
    renderFacts(dl, [["none", "Wallet", connected ? "Loading…" : "Connect a wallet to see your balance and shares."]]);
    return;
  }
  const a = (v: bigint) => `${formatAmount(v, meta.assetDecimals, 2)} ${meta.assetSymbol}`;
  renderFacts(dl, [
    ["asset-balance", `${meta.assetSymbol} in your wallet`, a(account.assetBalance)],
    ["shares", "Your shares", `${formatAmount(account.shares, meta.shareDecimals, 4)} ${meta.shareSymbol}`],
    [
      "share-value",
      "Their value",
      account.value === undefined ? "unavailable while the vault cannot price its positions" : a(account.value),
      account.value === undefined ? undefined : "at the oracle price, before any exit cost",
    ],
  ]);
}

export function renderVaultState(meta: VaultMeta, snap: Snapshot) {
  const dl = byId("vault-state");
  const s = snap.state;
  const a = (v: bigint) => `${formatAmount(v, meta.assetDecimals, 2)} ${meta.assetSymbol}`;
  const feedAge = snap.timestamp - snap.feed.updatedAt;
  const feedPrice = `$${formatAmount(snap.feed.answer, snap.feed.decimals, 2)}`;
  if (!s) {
    renderFacts(dl, [
      ["status", "Status", snap.stateError?.sentence ?? "The vault's state could not be read."],
      ["spot-price", "Feed price", feedPrice, `updated ${formatDuration(feedAge)} ago`],
    ]);
    return;
  }
  const b = snap.bands;
  const noShort = s.marginRatioBps === UINT256_MAX;
  const band = Number(s.band);
  const neverRebalanced = s.secondsSinceRebalance >= snap.timestamp;
  renderFacts(dl, [
    ["nav", "Net asset value", a(s.totalAssets)],
    [
      "share-price",
      "Share price",
      `${formatAmount(s.sharePrice, meta.assetDecimals, 6)} ${meta.assetSymbol}`,
      `per ${meta.shareSymbol}`,
    ],
    [
      "spot-price",
      "Spot price (oracle)",
      s.price === 0n ? feedPrice : formatUsdWad(s.price),
      `feed updated ${formatDuration(feedAge)} ago`,
    ],
    [
      "spot",
      "Spot held",
      `${formatAmount(s.spotQty, 18, 4)} ${meta.spotSymbol}`,
      s.collateralQty === 0n
        ? undefined
        : `${formatAmount(s.collateralQty, 18, 4)} of it posted as the short's collateral`,
    ],
    ["short", "Perp short", `${formatAmount(s.shortQty, 18, 4)} ${meta.spotSymbol}`],
    ["hedged", "Hedged notional", `${formatBps(s.deploymentBps)} of NAV`, "funding is earned on this"],
    [
      "delta",
      "Net delta",
      formatBps(s.deltaBps, true),
      `of NAV; band ±${formatBps(b.deltaSoftBps)} soft, ±${formatBps(b.deltaHardBps)} hard`,
    ],
    [
      "margin-ratio",
      "Perp margin ratio",
      noShort ? "no short open" : formatBps(s.marginRatioBps),
      `band ${formatBps(b.minMarginRatioSoftBps)}–${formatBps(b.maxMarginRatioSoftBps)} soft, ${formatBps(b.minMarginRatioHardBps)}–${formatBps(b.maxMarginRatioHardBps)} hard`,
    ],
    ["perp-equity", "Perp equity", a(s.perpEquity)],
    ["idle", "Idle cash", a(s.idle), `${formatBps(s.idleBps)} of NAV`],
    ["last-rebalance", "Last rebalance", neverRebalanced ? "never" : `${formatDuration(s.secondsSinceRebalance)} ago`],
    [
      "band",
      "Band breached",
      band === 0
        ? "none: every band holds"
        : `${BAND_TEXT[band] ?? `band ${band}`} (${TIER_TEXT[Number(s.tier)] ?? ""})`,
    ],
    [
      "deposit-room",
      "Deposit cap",
      a(snap.depositCap),
      // maxDeposit is 0 while paused: that is the pause, not a full cap.
      s.paused ? "closed while paused" : snap.maxDeposit === undefined ? undefined : `${a(snap.maxDeposit)} of room`,
    ],
    ["paused", "Paused", s.paused ? "yes: deposits and rebalances are stopped, withdrawals work" : "no"],
  ]);
}
