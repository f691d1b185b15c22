/**
 * The hedge bench's SVG chart, dependency-free: dates on the time axis; ETH price, each run's share
 * price (its own scale), margin ratio and hedged notional / NAV in their own panels, with each
 * run's rebalances marked by reason and its soft margin band drawn on the margin panel.
 */
import { dateTicks, esc, guideLine, range, reasonLegend, REASON_COLORS } from "../../demo/chartParts.js";
import type { RunOutput } from "./run.js";

const WIDTH = 1_000;
const PANEL = 170;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 38;
const COLORS = ["#1f77b4", "#2ca02c", "#9467bd"];
const MARGIN_PANEL = 2;

export function renderBenchChart(title: string, runs: RunOutput[], unix: number[]): string {
  const plot = WIDTH - LEFT - RIGHT;
  const lastHour = Math.max(unix.length - 1, 1);
  const x = (h: number) => LEFT + (h / lastHour) * plot;
  const panels: { label: string; series: { name: string; color: string; values: [number, number][] }[] }[] = [
    {
      label: "ETH price (USD, rescaled)",
      series: [{ name: "ETH", color: "#d62728", values: (runs[0]?.chart ?? []).map((p) => [p.hour, p.price]) }],
    },
    {
      label: "Share price (USDC per share)",
      series: runs.map((r, i) => ({
        name: r.config,
        color: COLORS[i],
        values: r.chart.map((p) => [p.hour, p.sharePrice]),
      })),
    },
    {
      label: "Perp margin ratio (%)",
      series: runs.map((r, i) => ({
        name: r.config,
        color: COLORS[i],
        values: r.chart.map((p) => [p.hour, p.marginRatioPct]),
      })),
    },
    {
      label: "Hedged notional / NAV",
      series: runs.map((r, i) => ({
        name: r.config,
        color: COLORS[i],
        values: r.chart.map((p) => [p.hour, p.notionalOverNav]),
      })),
    },
  ];
  const height = TOP + panels.length * (PANEL + GAP) + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = TOP + i * (PANEL + GAP) + 10;
    // Each run's soft margin band, as its vault reports it, in the run's colour.
    const guides =
      i === MARGIN_PANEL
        ? runs.flatMap((r, k) => [
            { pct: r.marginBandsPct.minSoft, name: `${r.config} soft floor`, color: COLORS[k] },
            { pct: r.marginBandsPct.maxSoft, name: `${r.config} soft ceiling`, color: COLORS[k] },
          ])
        : [];
    const guideValues = guides.map((g) => g.pct);
    const [lo, hi] = range([...panel.series.flatMap((s) => s.values.map((v) => v[1])), ...guideValues]);
    const y = (v: number) => top + PANEL - ((v - lo) / (hi - lo)) * PANEL;
    out.push(
      `<text x="${LEFT}" y="${top - 6}" font-weight="bold">${esc(panel.label)}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${plot}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
    );
    for (const t of [lo, (lo + hi) / 2, hi])
      out.push(`<text x="${LEFT - 6}" y="${y(t) + 4}" text-anchor="end">${t.toPrecision(4)}</text>`);
    if (i === MARGIN_PANEL) {
      for (const g of guides) out.push(...guideLine(LEFT, plot, y(g.pct), `${g.name} ${g.pct}%`, g.color));
      runs.forEach((r, k) =>
        r.rebalanceHours.forEach(({ hour, band }) =>
          out.push(
            `<line x1="${x(hour).toFixed(1)}" x2="${x(hour).toFixed(1)}" y1="${top + PANEL - 8 - k * 10}" y2="${top + PANEL - k * 10}" stroke="${REASON_COLORS[band] ?? "#000"}"/>`,
          ),
        ),
      );
    }
    panel.series.forEach((s, k) => {
      const points = s.values.map(
        ([h, v]) => `${x(h).toFixed(1)},${Number.isFinite(v) ? y(v).toFixed(1) : y(lo).toFixed(1)}`,
      );
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.2" points="${points.join(" ")}"/>`);
      out.push(`<text x="${WIDTH - RIGHT - 170}" y="${top + 14 + k * 13}" fill="${s.color}">${esc(s.name)}</text>`);
    });
  });
  const bottom = TOP + panels.length * (PANEL + GAP);
  out.push(...dateTicks(unix, x, bottom), ...reasonLegend(LEFT, bottom + 16), `</svg>`);
  return out.join("\n");
}
