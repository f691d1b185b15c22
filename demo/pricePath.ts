/**
 * Seeded price paths for the demo: geometric Brownian motion with drift, Poisson jumps, and two
 * scripted stress episodes (a +40% rally and a -50% crash), one point per hour. Floats are fine
 * here: a path is a scenario, not an amount; prices become 8-decimal feed answers at the edge.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface PathOptions {
  seed: number;
  hours: number;
  startPrice: number;
  /** Annualised volatility, e.g. 0.8 for 80%. */
  annualVol: number;
  /** Annualised drift, e.g. 0.1. */
  annualDrift: number;
  /** Expected jumps per year and the jump size's standard deviation (log). */
  jumpsPerYear: number;
  jumpVol: number;
  /** Add the +40% rally and the -50% crash episodes. */
  episodes: boolean;
}

export const DEFAULT_PATH: PathOptions = {
  seed: 1,
  hours: 24 * 30,
  startPrice: 3_000,
  annualVol: 0.8,
  annualDrift: 0.1,
  jumpsPerYear: 20,
  jumpVol: 0.04,
  episodes: true,
};

const HOURS_PER_YEAR = 24 * 365;

/** Mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal draws by Box-Muller. */
function normal(rand: () => number): number {
  const u = Math.max(rand(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Multiplicative per-hour factors of an episode that moves the price by `total` over `hours`. */
function episodeFactors(total: number, hours: number): number[] {
  const step = Math.pow(1 + total, 1 / hours);
  return Array.from({ length: hours }, () => step);
}

/** Hourly prices, `hours + 1` points starting at `startPrice`. */
export function syntheticPath(options: PathOptions): number[] {
  const rand = mulberry32(options.seed);
  const dt = 1 / HOURS_PER_YEAR;
  const sigma = options.annualVol;
  const drift = (options.annualDrift - (sigma * sigma) / 2) * dt;
  const jumpProbability = options.jumpsPerYear * dt;
  const extra = new Map<number, number>();
  if (options.episodes && options.hours >= 200) {
    // A +40% rally over 36 h a quarter in, a -50% crash over 48 h at 60%.
    const rallyAt = Math.floor(options.hours * 0.25);
    episodeFactors(0.4, 36).forEach((f, i) => extra.set(rallyAt + i, f));
    const crashAt = Math.floor(options.hours * 0.6);
    episodeFactors(-0.5, 48).forEach((f, i) => extra.set(crashAt + i, f));
  }
  const prices = [options.startPrice];
  for (let h = 0; h < options.hours; h++) {
    let logReturn = drift + sigma * Math.sqrt(dt) * normal(rand);
    if (rand() < jumpProbability) logReturn += options.jumpVol * normal(rand);
    const factor = Math.exp(logReturn) * (extra.get(h) ?? 1);
    prices.push(prices[h] * factor);
  }
  return prices;
}

/** Hourly closes from a shipped history window (`unix,close` CSV), rescaled to `startPrice`. */
export function replayPath(
  file: string,
  startPrice?: number,
): { prices: number[]; first: number; hours: number; unix: number[] } {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const header = lines.shift();
  if (header !== "unix,close") throw new Error(`${file}: expected a "unix,close" header, found "${header}"`);
  const unix: number[] = [];
  const closes = lines.map((line, i) => {
    const [time, value] = line.split(",");
    unix.push(Number(time));
    const close = Number(value);
    if (!Number.isFinite(close) || close <= 0) throw new Error(`${file}: line ${i + 2} has no positive close`);
    return close;
  });
  if (closes.length < 2) throw new Error(`${file}: needs at least two rows`);
  const scale = startPrice ? startPrice / closes[0] : 1;
  return { prices: closes.map((c) => c * scale), first: closes[0], hours: closes.length - 1, unix };
}

/** A float price as the 8-decimal answer of a Chainlink USD feed. */
export function toFeedAnswer(price: number): bigint {
  return BigInt(Math.round(price * 1e8));
}

/** History windows shipped in demo/data/ (see its README for source and attribution). */
export const REPLAYS: Record<string, string> = {
  "covid-crash": "eth-2020-03-covid-crash.csv",
  "rally-2018": "eth-2018-01-rally.csv",
  "may-2021": "eth-2021-05-crash.csv",
  "full-2017-2021": "eth-2017-08-2021-06-full.csv",
};

/** A shipped window's file by name, or `nameOrPath` itself as a path. */
export function replayFile(nameOrPath: string): string {
  const shipped = REPLAYS[nameOrPath];
  return shipped ? resolve(dirname(fileURLToPath(import.meta.url)), "data", shipped) : resolve(nameOrPath);
}
