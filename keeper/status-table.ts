import type { Outcome } from "./chain/sender.js";
import { isoTime } from "./decide.js";
import type { KeeperAction, VaultStatus } from "./keeper.js";
import { UINT256_MAX, bandName, tierName } from "./types.js";

const ratio = (v: bigint) => (v === UINT256_MAX ? "none" : v.toString());

/** A chain timestamp as ISO time, and how far from `now` it is. */
export function formatTime(at: bigint, now: bigint | undefined): string {
  const iso = isoTime(at);
  if (now === undefined) return iso;
  const d = at - now;
  return d <= 0n ? `${iso} (now)` : `${iso} (in ${d}s)`;
}

function decisionText(r: VaultStatus): string {
  if (r.error) return `error: ${r.error}`;
  if (!r.decision) return "-";
  return r.decision.action === "rebalance"
    ? `REBALANCE (${bandName(r.decision.band)} ${tierName(r.decision.tier)})`
    : `skip (${r.decision.reason})`;
}

/** The `status` command's table: one row per vault, plain text, bands and tiers by name. */
export function formatStatusTable(rows: readonly VaultStatus[], block: bigint | undefined, now?: bigint): string {
  const header = [
    "vault",
    "policy",
    "band",
    "tier",
    "delta bps",
    "margin bps",
    "deploy bps",
    "idle bps",
    "delta soft/hard",
    "margin min s/h",
    "margin max s/h",
    "idle soft/hard",
    "oracle age",
    "keeper may act from",
    "paused",
    "venue order",
    "vault round",
    "decision",
  ];
  const body = rows.map((r) => {
    const s = r.state;
    const b = r.bands;
    return [
      r.name,
      r.policy,
      s ? bandName(s.band) : "?",
      s ? tierName(s.tier) : "?",
      s ? s.deltaBps.toString() : "?",
      s ? ratio(s.marginRatioBps) : "?",
      s ? s.deploymentBps.toString() : "?",
      s ? s.idleBps.toString() : "?",
      b ? `${b.deltaSoftBps}/${b.deltaHardBps}` : "?",
      b ? `${b.minMarginRatioSoftBps}/${b.minMarginRatioHardBps}` : "?",
      b ? `${b.maxMarginRatioSoftBps}/${b.maxMarginRatioHardBps}` : "?",
      b ? `${b.idleSoftBps}/${b.idleHardBps}` : "?",
      r.oracleAgeSeconds === undefined ? "?" : `${r.oracleAgeSeconds}s`,
      s ? formatTime(s.nextKeeperRebalanceAt, now) : "?",
      s ? String(s.paused) : "?",
      r.orderError ? "unreadable" : (r.order ?? "-"),
      r.roundError ? "unreadable" : (r.round ?? "-"),
      decisionText(r),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const at = now === undefined ? "" : ` at ${formatTime(now, undefined)}`;
  return [`block ${block ?? "?"}${at}`, line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join(
    "\n",
  );
}

const DONE: Record<KeeperAction, string> = {
  rebalance: "rebalanced",
  "execute-order": "executed the venue's order",
  "settle-round": "settled the vault's round",
};
const LOST: Record<KeeperAction, string> = {
  rebalance: "another keeper rebalanced first",
  "execute-order": "another executor took the order first",
  "settle-round": "another account settled the round first",
};

function outcomeText(o: Outcome, action: KeeperAction, lostRace: boolean): string {
  switch (o.status) {
    case "mined":
      return `${DONE[action]} in block ${o.blockNumber} (tx ${o.hash}, gas ${o.gasUsed})`;
    case "reverted":
      if (lostRace)
        return `lost the race: ${LOST[action]}; mined but reverted in block ${o.blockNumber} (tx ${o.hash}, gas ${o.gasUsed})`;
      return `FAILED: mined but reverted in block ${o.blockNumber} (tx ${o.hash})`;
    case "simulation-reverted":
      if (lostRace) return `lost the race: ${LOST[action]}; simulation reverted ${o.revert.name}, nothing sent`;
      return `${o.normal ? "nothing to do" : "NOT SENT"}: simulation reverted ${o.revert.name}(${o.revert.args.join(", ")})`;
    case "simulated":
      return `dry run: simulation passed, would send with gas limit ${o.gasLimit}`;
    case "busy":
      return `not sent: ${o.detail}`;
    case "nonce-taken":
      return `FAILED: ${o.detail}`;
    case "timeout":
      return `FAILED: no receipt before the timeout (nonce ${o.nonce}, ${o.hashes.join(", ")})`;
    case "send-failed":
      return `FAILED: ${o.error}`;
  }
}

/** What `once` decided and did, one line per vault. */
export function formatOnceReport(
  rows: readonly VaultStatus[],
  outcomes: readonly { vault: string; action: KeeperAction; outcome: Outcome; lostRace?: boolean }[],
  block: bigint | undefined,
): string {
  const lines = rows.map((r) => {
    const done = outcomes
      .filter((o) => o.vault === r.name)
      .map((o) => outcomeText(o.outcome, o.action, o.lostRace === true));
    return `${r.name}: ${decisionText(r)}${r.decision?.action === "skip" ? `: ${r.decision.detail}` : ""}${
      done.length > 0 ? ` -> ${done.join("; ")}` : ""
    }`;
  });
  return [`once at block ${block ?? "?"}`, ...lines].join("\n");
}
