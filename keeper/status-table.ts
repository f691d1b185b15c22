import type { VaultStatus } from "./keeper.js";
import { UINT256_MAX, bandName, tierName } from "./types.js";

const ratio = (v: bigint) => (v === UINT256_MAX ? "none" : v.toString());

/** The `status` command's table: one row per vault, plain text. */
export function formatStatusTable(rows: readonly VaultStatus[], block: bigint | undefined): string {
  const header = [
    "vault",
    "policy",
    "band",
    "tier",
    "delta bps",
    "margin bps",
    "idle bps",
    "delta soft/hard",
    "margin min s/h",
    "margin max s/h",
    "idle soft/hard",
    "next keeper at",
    "paused",
    "decision",
  ];
  const body = rows.map((r) => {
    const s = r.state;
    const b = r.bands;
    const decision = r.error
      ? `error: ${r.error}`
      : !r.decision
        ? "-"
        : r.decision.action === "rebalance"
          ? "REBALANCE"
          : `skip (${r.decision.reason})`;
    return [
      r.name,
      r.policy,
      s ? bandName(s.band) : "?",
      s ? tierName(s.tier) : "?",
      s ? s.deltaBps.toString() : "?",
      s ? ratio(s.marginRatioBps) : "?",
      s ? s.idleBps.toString() : "?",
      b ? `${b.deltaSoftBps}/${b.deltaHardBps}` : "?",
      b ? `${b.minMarginRatioSoftBps}/${b.minMarginRatioHardBps}` : "?",
      b ? `${b.maxMarginRatioSoftBps}/${b.maxMarginRatioHardBps}` : "?",
      b ? `${b.idleSoftBps}/${b.idleHardBps}` : "?",
      s ? s.nextKeeperRebalanceAt.toString() : "?",
      s ? String(s.paused) : "?",
      decision,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [`block ${block ?? "?"}`, line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
