/**
 * What the demo's chart and the hedge bench's chart draw alike, as SVG strings: escaping, a padded
 * value range, rebalance reasons and their colours, and dated ticks on the time axis.
 */

/** Rebalance reasons (the vault's `Band`) and the colour each is marked in. */
export const REASONS: Record<number, string> = { 1: "delta", 2: "margin-low", 3: "margin-high", 4: "idle" };
export const REASON_COLORS: Record<number, string> = { 1: "#8c564b", 2: "#d62728", 3: "#17becf", 4: "#7f7f7f" };

export const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The finite values' range, padded by 5% each side (a flat series gets +-1). */
export function range(values: number[]): [number, number] {
  const f = values.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  let lo = Math.min(...f);
  let hi = Math.max(...f);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

const DAY = 86_400;

/**
 * Date labels under the time axis at `y`: the first of January of each year when the window spans
 * more than two years, else about six evenly spaced days (UTC, YYYY-MM-DD). `unix[h]` is hour h's
 * time in seconds; `x` places an hour.
 */
export function dateTicks(unix: number[], x: (hour: number) => number, y: number): string[] {
  if (unix.length < 2) return [];
  const span = unix[unix.length - 1] - unix[0];
  const last = unix.length - 1;
  // The first and last labels sit inside the plot (anchored at their start and end).
  const anchor = (h: number) => (h === 0 ? "start" : h === last ? "end" : "middle");
  const label = (h: number, text: string) =>
    `<text x="${x(h).toFixed(1)}" y="${y}" text-anchor="${anchor(h)}">${esc(text)}</text>`;
  if (span > 2 * 365 * DAY) {
    const out: string[] = [];
    unix.forEach((t, h) => {
      const d = new Date(t * 1000);
      if (d.getUTCMonth() === 0 && d.getUTCDate() === 1 && d.getUTCHours() === 0)
        out.push(label(h, `${d.getUTCFullYear()}`));
    });
    return out;
  }
  const ticks = 6;
  return Array.from({ length: ticks }, (_, k) => Math.round((last * k) / (ticks - 1))).map((h) =>
    label(
      h,
      new Date(unix[h] * 1000)
        .toISOString()
        .slice(0, span > 3 * DAY ? 10 : 16)
        .replace("T", " "),
    ),
  );
}

/** A dashed horizontal guide across the plot at value `v`, labelled at its left end. */
export function guideLine(left: number, width: number, yAt: number, name: string, color = "#555"): string[] {
  return [
    `<line x1="${left}" x2="${left + width}" y1="${yAt.toFixed(1)}" y2="${yAt.toFixed(1)}" stroke="${color}" stroke-dasharray="4 3"/>`,
    `<text x="${left + 4}" y="${(yAt - 3).toFixed(1)}" fill="${color}">${esc(name)}</text>`,
  ];
}

/** The legend of the rebalance markers, one entry per reason, from `left` at `y`. */
export function reasonLegend(left: number, y: number): string[] {
  return Object.entries(REASONS).map(
    ([b, name], k) =>
      `<text x="${left + k * 150}" y="${y}" fill="${REASON_COLORS[Number(b)]}">| rebalance: ${name}</text>`,
  );
}
