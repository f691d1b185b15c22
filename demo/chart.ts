/**
 * A dependency-free SVG chart of a demo run: price vs share price (both indexed to 100), delta in
 * bps, and the perp margin ratio, with a marker at every rebalance.
 */
export interface ChartSeries {
  hours: number[];
  price: number[];
  sharePrice: number[];
  deltaBps: number[];
  marginRatioPct: number[];
  rebalanceHours: number[];
  title: string;
}

const WIDTH = 960;
const PANEL_HEIGHT = 180;
const MARGIN = { left: 70, right: 20, top: 40, gap: 40 };

function scale(values: number[], padFraction = 0.05): { min: number; max: number } {
  const finite = values.filter(Number.isFinite);
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const pad = (max - min) * padFraction;
  return { min: min - pad, max: max + pad };
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderChart(c: ChartSeries): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const lastHour = c.hours[c.hours.length - 1] || 1;
  const x = (h: number) => MARGIN.left + (h / lastHour) * plotWidth;
  const parts: string[] = [];
  const panels = [
    {
      label: "Price and share price (indexed to 100)",
      lines: [
        { values: c.price.map((p) => (100 * p) / c.price[0]), color: "#d62728", name: "ETH price" },
        { values: c.sharePrice.map((p) => (100 * p) / c.sharePrice[0]), color: "#1f77b4", name: "vault share price" },
      ],
    },
    { label: "Delta deviation (bps of NAV)", lines: [{ values: c.deltaBps, color: "#2ca02c", name: "delta" }] },
    { label: "Perp margin ratio (%)", lines: [{ values: c.marginRatioPct, color: "#9467bd", name: "margin ratio" }] },
  ];
  const height = MARGIN.top + panels.length * (PANEL_HEIGHT + MARGIN.gap);
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escape(c.title)}</text>`,
  );
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (PANEL_HEIGHT + MARGIN.gap) + 10;
    const { min, max } = scale(panel.lines.flatMap((l) => l.values));
    const y = (v: number) => top + PANEL_HEIGHT - ((v - min) / (max - min)) * PANEL_HEIGHT;
    parts.push(
      `<text x="${MARGIN.left}" y="${top - 6}" font-weight="bold">${escape(panel.label)}</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#ccc"/>`,
    );
    for (const tick of [min, (min + max) / 2, max]) {
      parts.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toFixed(1)}</text>`);
    }
    for (const h of c.rebalanceHours) {
      parts.push(
        `<line x1="${x(h)}" x2="${x(h)}" y1="${top}" y2="${top + PANEL_HEIGHT}" stroke="#ff7f0e" stroke-opacity="0.35"/>`,
      );
    }
    panel.lines.forEach((line, j) => {
      const points = line.values.map((v, k) => `${x(c.hours[k]).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      parts.push(`<polyline fill="none" stroke="${line.color}" stroke-width="1.5" points="${points}"/>`);
      parts.push(
        `<text x="${WIDTH - MARGIN.right - 150}" y="${top + 14 + j * 14}" fill="${line.color}">${escape(line.name)}</text>`,
      );
    });
  });
  const bottom = height - 12;
  parts.push(
    `<text x="${MARGIN.left}" y="${bottom}">hours →   orange lines: rebalances (${c.rebalanceHours.length})</text>`,
    `</svg>`,
  );
  return parts.join("\n");
}
