import { readFileSync } from "node:fs";
import { getAddress, parseUnits } from "ethers";
import { z } from "zod";

/** Multicall3 at its canonical address on public chains (https://www.multicall3.com). */
export const CANONICAL_MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** Chains on which a raw private key (from the environment) is accepted: local development only. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

/** An amount in wei: an integer (number or string of digits) or a string like "30 gwei". */
const wei = z.union([z.string(), z.number(), z.bigint()]).transform((value, ctx): bigint => {
  try {
    if (typeof value === "bigint") return value;
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw new Error();
      return BigInt(value);
    }
    const text = value.trim();
    const unit = /^(\d+(?:\.\d+)?)\s*(wei|gwei|ether)$/i.exec(text);
    if (unit) return parseUnits(unit[1], unit[2].toLowerCase());
    if (/^\d+$/.test(text)) return BigInt(text);
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `expected wei as an integer or "<n> gwei", got ${JSON.stringify(String(value))}`,
  });
  return z.NEVER;
});
const nonNegativeWei = wei.refine((v) => v >= 0n, "must not be negative");
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bps = z.coerce.bigint().refine((v) => v >= 0n && v <= 10_000n, "must be between 0 and 10000 bps");

const address = z.string().transform((value, ctx) => {
  try {
    return getAddress(value);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not an address: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
});

const rpcUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");

const policySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("threshold") }).strict(),
  z.object({ kind: z.literal("time"), minIntervalSeconds: z.coerce.bigint().refine((v) => v >= 0n, ">= 0") }).strict(),
  z
    .object({
      kind: z.literal("volatility"),
      window: int(2, 1_000).default(32),
      calmVolBps: bps.default(20n),
      stormVolBps: bps.default(200n),
      maxWidenBps: bps.default(5_000n),
    })
    .strict(),
]);
export type PolicyConfig = z.infer<typeof policySchema>;

const vaultSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - only (used as a metrics label)"),
    address,
    policy: policySchema.default({ kind: "threshold" }),
    /**
     * Whether this key should hold the vault's KEEPER role: start-up fails when the chain says it
     * does not. false: act at the hard tier only (anyone may).
     */
    isKeeper: z.boolean().default(true),
  })
  .strict();

export const configSchema = z
  .object({
    chainId: int(1),
    /** Multicall3 (aggregate3) the keeper batches its reads through; canonical address by default. */
    multicall3: address.default(CANONICAL_MULTICALL3),
    rpc: z
      .object({
        urls: z.array(rpcUrl).min(1, "at least one RPC URL"),
        timeoutMs: int(100).default(5_000),
        /** How long a failed endpoint is skipped before it is tried again. */
        cooldownMs: int(0).default(30_000),
        /** How long start-up keeps retrying an unreachable RPC before giving up (exit 1). */
        startupRetrySeconds: int(0).default(60),
        /** Longest pause between polls while every RPC endpoint is down (doubling from the poll interval). */
        maxBackoffMs: int(10).default(30_000),
      })
      .strict(),
    signer: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("keystore"), path: z.string().min(1) }).strict(),
        z.object({ type: z.literal("privateKeyEnv") }).strict(),
      ])
      .default({ type: "privateKeyEnv" }),
    gas: z
      .object({
        /** Absolute cap on maxFeePerGas; the keeper skips while the base fee is above it. */
        maxFeePerGas: nonNegativeWei,
        priorityFeePerGas: nonNegativeWei.default(1_000_000_000n),
        /** Fixed gas limit; when unset, the estimate times gasLimitMultiplierBps. */
        gasLimit: wei.optional(),
        gasLimitMultiplierBps: z.coerce
          .bigint()
          .refine((v) => v >= 10_000n && v <= 30_000n, "10000..30000")
          .default(12_000n),
        /** Fee bump of a replacement; nodes require at least 12.5%. */
        bumpBps: z.coerce
          .bigint()
          .refine((v) => v >= 1_250n && v <= 50_000n, "1250..50000 (nodes need +12.5%)")
          .default(1_250n),
        replaceAfterBlocks: int(1).default(3),
        maxReplacements: int(0, 20).default(5),
        receiptTimeoutMs: int(1_000).default(180_000),
        /** Below this native balance the key is an alarm, and `run`/`once` refuse to start. */
        minBalance: nonNegativeWei.default(10_000_000_000_000_000n),
      })
      .strict(),
    loop: z
      .object({
        pollIntervalMs: int(10).default(1_000),
        /** Bands and strategy are re-read every this many blocks. */
        paramsRefreshBlocks: int(1).default(100),
        /** Distinct oracle prices kept per vault for the volatility policy. */
        priceHistory: int(2, 1_000).default(64),
        /** Sub-calls per Multicall3 `eth_call` (all of a block's go in one HTTP request). */
        multicallBatchSize: int(8, 5_000).default(256),
      })
      .strict()
      .default({}),
    instance: z
      .object({
        /** 0 for the primary; a standby lets a breach persist this many blocks before acting. */
        standbyBlocks: int(0, 10_000).default(0),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default("127.0.0.1"),
        port: int(0, 65_535).default(9464),
        /** /healthz turns 503 when no read of the chain succeeded for this long (RPC down). */
        maxPollAgeSeconds: int(1).default(30),
        /**
         * /healthz also turns 503 when the chain's head is older than this (unset: not checked, as
         * an idle automine node makes no blocks).
         */
        maxHeadAgeSeconds: int(1).optional(),
      })
      .strict()
      .default({}),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({}),
    vaults: z.array(vaultSchema).min(1, "at least one vault"),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.vaults.forEach((v, i) => {
      for (const key of [`name:${v.name}`, `address:${v.address}`]) {
        if (seen.has(key))
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `duplicate ${key}`, path: ["vaults", i] });
        seen.add(key);
      }
      if (v.policy.kind === "volatility" && v.policy.stormVolBps <= v.policy.calmVolBps)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: "stormVolBps must exceed calmVolBps",
          path: ["vaults", i, "policy", "stormVolBps"],
        });
    });
    if (cfg.signer.type === "privateKeyEnv" && !LOCAL_CHAIN_IDS.includes(cfg.chainId))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["signer", "type"],
        message: `a raw private key is only allowed on local chains (${LOCAL_CHAIN_IDS.join(", ")}); use a keystore`,
      });
  });

export type KeeperConfig = z.infer<typeof configSchema>;
export type VaultConfig = KeeperConfig["vaults"][number];

type EnvParser = (raw: string) => unknown;
const asString: EnvParser = (raw) => raw;
const asList: EnvParser = (raw) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const asBool: EnvParser = (raw) => (raw === "true" ? true : raw === "false" ? false : raw);
const asJson: EnvParser = (raw) => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // the schema then names the field as malformed
  }
};

/** Every environment override: variable, the config field it replaces, and how it is read. */
export const ENV_OVERRIDES: readonly { env: string; path: readonly string[]; parse: EnvParser }[] = [
  { env: "KEEPER_CHAIN_ID", path: ["chainId"], parse: asString },
  { env: "KEEPER_RPC_URLS", path: ["rpc", "urls"], parse: asList },
  { env: "KEEPER_RPC_TIMEOUT_MS", path: ["rpc", "timeoutMs"], parse: asString },
  { env: "KEEPER_RPC_COOLDOWN_MS", path: ["rpc", "cooldownMs"], parse: asString },
  { env: "KEEPER_RPC_STARTUP_RETRY_SECONDS", path: ["rpc", "startupRetrySeconds"], parse: asString },
  { env: "KEEPER_RPC_MAX_BACKOFF_MS", path: ["rpc", "maxBackoffMs"], parse: asString },
  { env: "KEEPER_MULTICALL3", path: ["multicall3"], parse: asString },
  { env: "KEEPER_SIGNER_TYPE", path: ["signer", "type"], parse: asString },
  { env: "KEEPER_KEYSTORE_PATH", path: ["signer", "path"], parse: asString },
  { env: "KEEPER_MAX_FEE_PER_GAS", path: ["gas", "maxFeePerGas"], parse: asString },
  { env: "KEEPER_PRIORITY_FEE_PER_GAS", path: ["gas", "priorityFeePerGas"], parse: asString },
  { env: "KEEPER_GAS_LIMIT", path: ["gas", "gasLimit"], parse: asString },
  { env: "KEEPER_FEE_BUMP_BPS", path: ["gas", "bumpBps"], parse: asString },
  { env: "KEEPER_REPLACE_AFTER_BLOCKS", path: ["gas", "replaceAfterBlocks"], parse: asString },
  { env: "KEEPER_MAX_REPLACEMENTS", path: ["gas", "maxReplacements"], parse: asString },
  { env: "KEEPER_RECEIPT_TIMEOUT_MS", path: ["gas", "receiptTimeoutMs"], parse: asString },
  { env: "KEEPER_MIN_BALANCE", path: ["gas", "minBalance"], parse: asString },
  { env: "KEEPER_MULTICALL_BATCH_SIZE", path: ["loop", "multicallBatchSize"], parse: asString },
  { env: "KEEPER_POLL_INTERVAL_MS", path: ["loop", "pollIntervalMs"], parse: asString },
  { env: "KEEPER_PARAMS_REFRESH_BLOCKS", path: ["loop", "paramsRefreshBlocks"], parse: asString },
  { env: "KEEPER_STANDBY_BLOCKS", path: ["instance", "standbyBlocks"], parse: asString },
  { env: "KEEPER_METRICS_ENABLED", path: ["metrics", "enabled"], parse: asBool },
  { env: "KEEPER_METRICS_HOST", path: ["metrics", "host"], parse: asString },
  { env: "KEEPER_METRICS_PORT", path: ["metrics", "port"], parse: asString },
  { env: "KEEPER_MAX_POLL_AGE_SECONDS", path: ["metrics", "maxPollAgeSeconds"], parse: asString },
  { env: "KEEPER_MAX_HEAD_AGE_SECONDS", path: ["metrics", "maxHeadAgeSeconds"], parse: asString },
  { env: "KEEPER_LOG_LEVEL", path: ["log", "level"], parse: asString },
  { env: "KEEPER_VAULTS", path: ["vaults"], parse: asJson },
];

/** Environment variables holding secrets; read where needed, never stored in the config. */
export const SECRET_ENV = { keystorePassword: "KEEPER_KEYSTORE_PASSWORD", privateKey: "KEEPER_PRIVATE_KEY" } as const;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/**
 * Validates a raw config object after applying the environment overrides. Throws a ConfigError
 * naming every bad field (and the variable it came from, when it came from the environment).
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = "config"): KeeperConfig {
  const merged: Record<string, unknown> =
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? structuredClone(raw as Record<string, unknown>)
      : {};
  const fromEnv = new Map<string, string>();
  for (const { env: name, path, parse } of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(merged, path, parse(value));
    fromEnv.set(path.join("."), name);
  }
  const result = configSchema.safeParse(merged);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.join(".") || "(root)";
    const envName = [...fromEnv].find(([p]) => field === p || field.startsWith(`${p}.`))?.[1];
    return `  ${field}${envName ? ` (from env ${envName})` : ""}: ${issue.message}`;
  });
  throw new ConfigError(`invalid keeper configuration (${source}):\n${lines.join("\n")}`);
}

/** Reads a JSON config file, applies the environment overrides and validates. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): KeeperConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(withDeployment(raw, path), env, path);
}

/**
 * `"deployment": "deploy/addresses/<network>.json"` in a config file adds the vaults that the
 * deploy script wrote (threshold policy) to `vaults`, and takes its `chainId` when the config has
 * none; vaults listed explicitly win. The path is relative to the working directory.
 */
function withDeployment(raw: unknown, configPath: string): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const cfg = { ...(raw as Record<string, unknown>) };
  const file = cfg.deployment;
  if (file === undefined) return cfg;
  delete cfg.deployment;
  if (typeof file !== "string")
    throw new ConfigError(`invalid keeper configuration (${configPath}):\n  deployment: must be a file path`);
  let deployed: { chainId?: unknown; vaults?: unknown };
  try {
    deployed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new ConfigError(
      `invalid keeper configuration (${configPath}):\n  deployment: cannot read ${file} (run the deploy script first): ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!Array.isArray(deployed.vaults))
    throw new ConfigError(`invalid keeper configuration (${configPath}):\n  deployment: ${file} has no "vaults" list`);
  const listed = Array.isArray(cfg.vaults) ? [...(cfg.vaults as Record<string, unknown>[])] : [];
  const known = new Set(listed.map((v) => String(v.address).toLowerCase()));
  for (const v of deployed.vaults as { name?: unknown; address?: unknown }[]) {
    if (known.has(String(v.address).toLowerCase())) continue;
    listed.push({
      name: String(v.name ?? "vault")
        .replace(/[^A-Za-z0-9_.-]/g, "-")
        .slice(0, 64),
      address: v.address,
    });
  }
  cfg.vaults = listed;
  if (cfg.chainId === undefined) cfg.chainId = deployed.chainId;
  if (cfg.multicall3 === undefined && typeof (deployed as { multicall3?: unknown }).multicall3 === "string")
    cfg.multicall3 = (deployed as { multicall3: string }).multicall3;
  return cfg;
}

/** An RPC URL safe to log: scheme and host only (paths and queries often carry API keys). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.pathname.length > 1 || u.search !== "" || u.username !== "" || u.password !== "";
    return `${u.protocol}//${u.host}${hidden ? "/***" : ""}`;
  } catch {
    return "<unparseable url>";
  }
}

/** The config as it may be logged: RPC URLs redacted, bigints as strings. */
export function redactedConfig(cfg: KeeperConfig): unknown {
  return JSON.parse(
    JSON.stringify({ ...cfg, rpc: { ...cfg.rpc, urls: cfg.rpc.urls.map(redactUrl) } }, (_k, v) =>
      typeof v === "bigint" ? v.toString() : v,
    ),
  );
}
