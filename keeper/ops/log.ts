import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

/** Field names whose values are never logged, at any depth we log. */
export const REDACT_PATHS = [
  "password",
  "privateKey",
  "mnemonic",
  "secret",
  "*.password",
  "*.privateKey",
  "*.mnemonic",
  "*.secret",
];

/** Amounts are bigints: log them as decimal strings (exact, and valid JSON). */
function bigintsToStrings(value: unknown, depth = 0): unknown {
  if (typeof value === "bigint") return value.toString();
  if (depth > 6 || value === null || typeof value !== "object" || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => bigintsToStrings(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bigintsToStrings(v, depth + 1);
  return out;
}

/** JSON logs (one object a line) with secrets redacted; `destination` lets tests capture them. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "keeper" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { log: (obj) => bigintsToStrings(obj) as Record<string, unknown> },
    },
    destination ?? pino.destination(1),
  );
}

/** An error with its cause chain flattened for a log line. */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let i = 0; current !== undefined && current !== null && i < 8; i++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" <- ");
}
