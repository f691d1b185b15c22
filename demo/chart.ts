/**
 * A dependency-free SVG chart of a demo run, one panel per figure and each on its own scale: the
 * ETH price, the share price, delta in bps, the margin ratio as the vault reports it with the
 * mode's margin bands, and hedged notional / NAV; dates on the time axis and every rebalance
 * marked by its reason.
 */
import { dateTicks, esc, guideLine, range, reasonLegend, REASON_COLORS } from "./chartParts.js";

/** Margin bands drawn on the margin panel, percent. */
export interface MarginBandsPct {
  minSoft: number;
  minHard: number;
  maxSoft: number;
  maxHard: number;
}

/** The margin bands of `vault.bands()`, percent. */
export function marginBandsPct(b: {
  minMarginRatioSoftBps: bigint;
  minMarginRatioHardBps: bigint;
  maxMarginRatioSoftBps: bigint;
  maxMarginRatioHardBps: bigint;
}): MarginBandsPct {
  return {
    minSoft: Number(b.minMarginRatioSoftBps) / 100,
    minHard: Number(b.minMarginRatioHardBps) / 100,
    maxSoft: Number(b.maxMarginRatioSoftBps) / 100,
    maxHard: Number(b.maxMarginRatioHardBps) / 100,
  };
}

export interface ChartSeries {
  title: string;
  hours: number[];
  /** Each sample's time, unix seconds (the chain's block time for a synthetic path). */
  unix: number[];
  price: number[];
  sharePrice: number[];
  deltaBps: number[];
  marginRatioPct: number[];
  notionalOverNav: number[];
  bands: MarginBandsPct;
  rebalances: { hour: number; band: number }[];
}

const WIDTH = 960;
const PANEL_HEIGHT = 150;
const MARGIN = { left: 70, right: 20, top: 40, gap: 36 };
const MARGIN_PANEL = 3;

export function renderChart(c: ChartSeries): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const lastHour = c.hours[c.hours.length - 1] || 1;
  const x = (h: number) => MARGIN.left + (h / lastHour) * plotWidth;
  const panels = [
    { label: "ETH price (USD)", values: c.price, color: "#d62728" },
    { label: "Share price (USDC per share)", values: c.sharePrice, color: "#1f77b4" },
    { label: "Delta deviation (bps of NAV)", values: c.deltaBps, color: "#2ca02c" },
    {
      label: "Margin ratio as the vault reports it (%), with the margin bands",
      values: c.marginRatioPct,
      color: "#9467bd",
    },
    { label: "Hedged notional / NAV", values: c.notionalOverNav, color: "#ff7f0e" },
  ];
  const bands: [number, string][] = [
    [c.bands.minHard, `hard floor ${c.bands.minHard}%`],
    [c.bands.minSoft, `soft floor ${c.bands.minSoft}%`],
    [c.bands.maxSoft, `soft ceiling ${c.bands.maxSoft}%`],
    [c.bands.maxHard, `hard ceiling ${c.bands.maxHard}%`],
  ];
  const bottom = MARGIN.top + panels.length * (PANEL_HEIGHT + MARGIN.gap);
  const height = bottom + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (PANEL_HEIGHT + MARGIN.gap) + 10;
    const guides = i === MARGIN_PANEL ? bands.map(([v]) => v) : [];
    const [min, max] = range([...panel.values, ...guides]);
    const y = (v: number) => top + PANEL_HEIGHT - ((v - min) / (max - min)) * PANEL_HEIGHT;
    parts.push(
      `<text x="${MARGIN.left}" y="${top - 6}" font-weight="bold">${esc(panel.label)}</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#ccc"/>`,
    );
    for (const tick of [min, (min + max) / 2, max])
      parts.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toPrecision(5)}</text>`);
    for (const { hour, band } of c.rebalances)
      parts.push(
        `<line x1="${x(hour).toFixed(1)}" x2="${x(hour).toFixed(1)}" y1="${top}" y2="${top + PANEL_HEIGHT}" stroke="${REASON_COLORS[band] ?? "#000"}" stroke-width="2" stroke-opacity="0.5"/>`,
      );
    if (i === MARGIN_PANEL) for (const [v, name] of bands) parts.push(...guideLine(MARGIN.left, plotWidth, y(v), name));
    // A sample without a value (no short: no margin ratio) is drawn at the panel's floor.
    const points = panel.values
      .map((v, k) => `${x(c.hours[k]).toFixed(1)},${(Number.isFinite(v) ? y(v) : y(min)).toFixed(1)}`)
      .join(" ");
    parts.push(`<polyline fill="none" stroke="${panel.color}" stroke-width="1.5" points="${points}"/>`);
  });
  parts.push(
    ...dateTicks(c.unix, (k) => x(c.hours[k]), bottom - 14),
    ...reasonLegend(MARGIN.left, bottom + 6),
    `<text x="${MARGIN.left}" y="${bottom + 22}">rebalances: ${c.rebalances.length}</text>`,
    `</svg>`,
  );
  return parts.join("\n");
}
