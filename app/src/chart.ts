/**
 * Share price against spot price as an inline SVG, two y-axes (share price left, spot price
 * right), one point per block where the vault emitted an event. Labels are escaped (a token's
 * symbol is whatever its contract says), so the markup is safe to insert. No DOM.
 */

export interface ChartPoint {
  /** Seconds. */
  timestamp: number;
  sharePrice: number;
  spotPrice: number;
  /** Marked on the share-price line. */
  rebalanced?: boolean;
}

const W = 640;
const H = 260;
const PAD = { left: 64, right: 72, top: 16, bottom: 36 };

function scale(values: number[]) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < Math.abs(hi) * 1e-4 || hi === lo) {
    const pad = Math.max(Math.abs(hi) * 0.01, 1e-6);
    lo -= pad;
    hi += pad;
  }
  return { lo, hi, y: (v: number) => PAD.top + ((hi - v) / (hi - lo)) * (H - PAD.top - PAD.bottom) };
}

const fmt = (v: number, digits: number) =>
  v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function renderChart(points: ChartPoint[], rawLabels: { share: string; spot: string }): string {
  const labels = { share: escape(rawLabels.share), spot: escape(rawLabels.spot) };
  if (points.length < 2)
    return `<p class="muted">The chart appears after the vault's second event (a deposit, withdrawal or rebalance).</p>`;
  const t0 = points[0].timestamp;
  const t1 = points[points.length - 1].timestamp;
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const share = scale(points.map((p) => p.sharePrice));
  const spot = scale(points.map((p) => p.spotPrice));
  const path = (y: (v: number) => number, pick: (p: ChartPoint) => number) =>
    points.map((p, i) => `${i ? "L" : "M"}${x(p.timestamp).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(" ");
  const ticks = [0, 0.5, 1];
  const axis = ticks
    .map((f) => {
      const yy = PAD.top + f * (H - PAD.top - PAD.bottom);
      const sv = share.hi - f * (share.hi - share.lo);
      const pv = spot.hi - f * (spot.hi - spot.lo);
      return (
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/>` +
        `<text x="${PAD.left - 6}" y="${yy + 4}" text-anchor="end" class="share">${fmt(sv, 4)}</text>` +
        `<text x="${W - PAD.right + 6}" y="${yy + 4}" class="spot">${fmt(pv, 0)}</text>`
      );
    })
    .join("");
  const span = t1 - t0;
  const spanText = span >= 86_400 ? `${(span / 86_400).toFixed(1)} days` : `${(span / 3_600).toFixed(1)} hours`;
  return (
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title chart-desc" class="chart">` +
    `<title id="chart-title">Share price against spot price</title>` +
    `<desc id="chart-desc">${points.length} points over ${spanText}. Share price from ${fmt(points[0].sharePrice, 6)} to ${fmt(points[points.length - 1].sharePrice, 6)} ${labels.share}; spot price from ${fmt(points[0].spotPrice, 2)} to ${fmt(points[points.length - 1].spotPrice, 2)} ${labels.spot}.</desc>` +
    axis +
    `<path d="${path(spot.y, (p) => p.spotPrice)}" class="line spot"/>` +
    `<path d="${path(share.y, (p) => p.sharePrice)}" class="line share"/>` +
    points
      .filter((p) => p.rebalanced)
      .map(
        (p) =>
          `<circle cx="${x(p.timestamp).toFixed(1)}" cy="${share.y(p.sharePrice).toFixed(1)}" r="4" class="rebalance"><title>rebalance</title></circle>`,
      )
      .join("") +
    `<text x="${PAD.left}" y="${H - 10}" class="share">— share price (${labels.share}, left)</text>` +
    `<text x="${W - PAD.right}" y="${H - 10}" text-anchor="end" class="spot">— spot price (${labels.spot}, right)</text>` +
    (points.some((p) => p.rebalanced)
      ? `<text x="${W / 2}" y="${H - 10}" text-anchor="middle" class="share">● rebalance</text>`
      : "") +
    `</svg>`
  );
}
