/**
 * The hedge bench's SVG chart, dependency-free: dates on the time axis; ETH price, each run's share
 * price (its own scale), margin ratio and hedged notional / NAV in their own panels, with each
 * run's rebalances marked by reason.
 */
import type { RunOutput } from "./run.js";

const WIDTH = 1_000;
const PANEL = 170;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 38;
const COLORS = ["#1f77b4", "#2ca02c", "#9467bd"];
const REASON_COLORS: Record<number, string> = { 1: "#8c564b", 2: "#d62728", 3: "#17becf", 4: "#7f7f7f" };
const REASONS: Record<number, string> = { 1: "delta", 2: "margin-low", 3: "margin-high", 4: "idle" };

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function range(values: number[]): [number, number] {
  const f = values.filter(Number.isFinite);
  let lo = Math.min(...f);
  let hi = Math.max(...f);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Horizontal guide lines of the margin panel, percent (e.g. the soft margin bands). */
export interface MarginGuides {
  minPct: number;
  maxPct: number;
}

export function renderBenchChart(title: string, runs: RunOutput[], unix: number[], guides: MarginGuides): string {
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
    const guideValues = i === 2 ? [guides.minPct, guides.maxPct] : [];
    const [lo, hi] = range([...panel.series.flatMap((s) => s.values.map((v) => v[1])), ...guideValues]);
    const y = (v: number) => top + PANEL - ((v - lo) / (hi - lo)) * PANEL;
    out.push(
      `<text x="${LEFT}" y="${top - 6}" font-weight="bold">${esc(panel.label)}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${plot}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
    );
    for (const t of [lo, (lo + hi) / 2, hi])
      out.push(`<text x="${LEFT - 6}" y="${y(t) + 4}" text-anchor="end">${t.toPrecision(4)}</text>`);
    if (i === 2) {
      for (const [pct, name] of [
        [guides.minPct, "min margin band"],
        [guides.maxPct, "max margin band"],
      ] as const)
        out.push(
          `<line x1="${LEFT}" x2="${LEFT + plot}" y1="${y(pct).toFixed(1)}" y2="${y(pct).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`,
          `<text x="${LEFT + 4}" y="${(y(pct) - 3).toFixed(1)}" fill="#555">${name} ${pct}%</text>`,
        );
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
  // Date ticks: the first of January of every year in the window.
  const bottom = TOP + panels.length * (PANEL + GAP);
  unix.forEach((t, h) => {
    const d = new Date(t * 1000);
    if (d.getUTCMonth() === 0 && d.getUTCDate() === 1 && d.getUTCHours() === 0)
      out.push(`<text x="${x(h).toFixed(1)}" y="${bottom}" text-anchor="middle">${d.getUTCFullYear()}</text>`);
  });
  const legend = Object.entries(REASONS).map(
    ([b, name], k) =>
      `<text x="${LEFT + k * 110}" y="${bottom + 16}" fill="${REASON_COLORS[Number(b)]}">| rebalance: ${name}</text>`,
  );
  out.push(...legend, `</svg>`);
  return out.join("\n");
}
