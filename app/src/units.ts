/**
 * Amounts as the user types and reads them: parsing with every check done before anything is
 * signed, and display in human units. Pure bigint code (no floats for amounts), no DOM.
 */

export type Parsed = { ok: true; value: bigint } | { ok: false; reason: string };

const NUMBER = /^(\d*)(?:\.(\d*))?$/;

/** Parses a decimal amount of a token with `decimals` decimals; the reason says what is wrong. */
export function parseAmount(text: string, decimals: number, unit: string): Parsed {
  const t = text.trim();
  if (t === "") return { ok: false, reason: "Enter an amount." };
  const m = NUMBER.exec(t);
  if (!m || (m[1] === "" && (m[2] ?? "") === ""))
    return { ok: false, reason: `Enter a plain number of ${unit}, such as 250 or 12.5.` };
  const whole = m[1] || "0";
  const fraction = m[2] ?? "";
  if (fraction.length > decimals)
    return {
      ok: false,
      reason: `${unit} has ${decimals} decimals: ${fraction.length} were entered.`,
    };
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (value === 0n) return { ok: false, reason: "Enter an amount above zero." };
  return { ok: true, value };
}

export interface Limit {
  value: bigint;
  /** Finishes "That is more than …", e.g. "your balance of 12 USDC". */
  describe: string;
}

/** Parses, then checks the amount against each limit in order (balance first, then `max*`). */
export function validateAmount(text: string, decimals: number, unit: string, limits: Limit[]): Parsed {
  const parsed = parseAmount(text, decimals, unit);
  if (!parsed.ok) return parsed;
  for (const limit of limits)
    if (parsed.value > limit.value) return { ok: false, reason: `That is more than ${limit.describe}.` };
  return parsed;
}

/** Parses a slippage tolerance in percent ("0.5") into bps; at most 50%, two decimals. */
export function parseTolerance(text: string): { ok: true; bps: bigint } | { ok: false; reason: string } {
  const t = text.trim();
  const m = NUMBER.exec(t);
  if (t === "" || !m || (m[1] === "" && (m[2] ?? "") === ""))
    return { ok: false, reason: "Enter a tolerance in percent, such as 0.5." };
  if ((m[2] ?? "").length > 2) return { ok: false, reason: "The tolerance has at most two decimals (0.01%)." };
  const bps = BigInt(m[1] || "0") * 100n + BigInt((m[2] ?? "").padEnd(2, "0") || "0");
  if (bps > 5_000n) return { ok: false, reason: "A tolerance above 50% protects nothing." };
  return { ok: true, bps };
}

/** The least the user accepts: `value` less `bps`, rounded down (in the user's favour of safety). */
export const atLeast = (value: bigint, bps: bigint) => (value * (10_000n - bps)) / 10_000n;
/** The most the user accepts to give: `value` plus `bps`, rounded up. */
export const atMost = (value: bigint, bps: bigint) => (value * (10_000n + bps) + 9_999n) / 10_000n;

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `value` in units of 10^-decimals, with thousands separators and at most `fractionDigits`
 * decimals, truncated toward zero (a display never shows more than is there).
 */
export function formatAmount(value: bigint, decimals: number, fractionDigits = 2): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  let fraction = (abs % scale).toString().padStart(decimals, "0").slice(0, fractionDigits);
  fraction = fraction.replace(/0+$/, "").padEnd(Math.min(2, fractionDigits), "0");
  const body = fraction ? `${group(whole.toString())}.${fraction}` : group(whole.toString());
  return negative ? `-${body}` : body;
}

/** The exact amount, every decimal, no separators: what a Max button writes into an input. */
export function exactAmount(value: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const fraction = (value % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${value / scale}.${fraction}` : `${value / scale}`;
}

/** Basis points as a percentage with two decimals; `signed` adds "+" to positive values. */
export function formatBps(bps: bigint, signed = false): string {
  const text = `${formatAmount(bps, 2, 2)}%`;
  return signed && bps > 0n ? `+${text}` : text;
}

/** A WAD (18-decimal) price in dollars. */
export const formatUsdWad = (wad: bigint) => `$${formatAmount(wad, 18, 2)}`;

/** Seconds as "45 s", "12 min", "3 h 5 min" or "2 d 4 h". */
export function formatDuration(seconds: bigint | number): string {
  const s = Number(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

export const shortAddress = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
