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

interface FieldDoc {
  doc: string;
  env?: string;
  parse: EnvParser;
}
const DOCS = new WeakMap<z.ZodTypeAny, FieldDoc>();

/**
 * Declares a config field once: its schema, what it means and the environment variable that
 * overrides it. ENV_OVERRIDES and the README's table (configFields) are read from these.
 */
function field<T extends z.ZodTypeAny>(schema: T, doc: string, env?: string, parse: EnvParser = asString): T {
  DOCS.set(schema, { doc, env, parse });
  return schema;
}

const vaultSchema = z
  .object({
    name: field(
      z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - only (used as a metrics label)"),
      "label in logs and metrics",
    ),
    address: field(address, "the vault"),
    policy: field(policySchema.default({ kind: "threshold" }), "when to act on a soft breach (see Policies)"),
    isKeeper: field(
      z.boolean().default(true),
      "whether the key must hold the KEEPER role here (start-up fails if not); false: hard tier only",
    ),
    edgeWaitSeconds: field(
      int(0, 3_600).default(15),
      "a soft breach waits until the feed's latest round is this old: the venue fills right after an update at the worse of the new and previous answer (PerpMarket's default oracle-edge window is 15 s); 0: no wait",
    ),
  })
  .strict();

export const configSchema = z
  .object({
    chainId: field(int(1), "chain id, checked against the RPC at start-up", "KEEPER_CHAIN_ID"),
    multicall3: field(
      address.default(CANONICAL_MULTICALL3),
      "Multicall3 the reads are batched through (the canonical address on public chains)",
      "KEEPER_MULTICALL3",
    ),
    rpc: z
      .object({
        urls: field(
          z.array(rpcUrl).min(1, "at least one RPC URL"),
          "RPC endpoints, tried in order (failover); comma-separated in the environment",
          "KEEPER_RPC_URLS",
          asList,
        ),
        timeoutMs: field(int(100).default(5_000), "per-request timeout", "KEEPER_RPC_TIMEOUT_MS"),
        cooldownMs: field(
          int(0).default(30_000),
          "how long a failed endpoint is skipped before it is tried again",
          "KEEPER_RPC_COOLDOWN_MS",
        ),
        startupRetrySeconds: field(
          int(0).default(60),
          "how long start-up retries an unreachable RPC before exiting 1",
          "KEEPER_RPC_STARTUP_RETRY_SECONDS",
        ),
        maxBackoffMs: field(
          int(10).default(30_000),
          "longest pause between polls while the chain cannot be read (doubling from the poll interval)",
          "KEEPER_RPC_MAX_BACKOFF_MS",
        ),
      })
      .strict(),
    signer: z
      .discriminatedUnion("type", [
        z
          .object({
            type: field(
              z.literal("keystore"),
              "`keystore` (production) or `privateKeyEnv` (local chains)",
              "KEEPER_SIGNER_TYPE",
            ),
            path: field(z.string().min(1), "encrypted JSON keystore (type keystore)", "KEEPER_KEYSTORE_PATH"),
          })
          .strict(),
        z.object({ type: z.literal("privateKeyEnv") }).strict(),
      ])
      .default({ type: "privateKeyEnv" }),
    gas: z
      .object({
        maxFeePerGas: field(
          nonNegativeWei,
          "absolute cap on maxFeePerGas; the keeper skips while the base fee is above it",
          "KEEPER_MAX_FEE_PER_GAS",
        ),
        priorityFeePerGas: field(nonNegativeWei.default(1_000_000_000n), "tip offered", "KEEPER_PRIORITY_FEE_PER_GAS"),
        gasLimit: field(
          wei.optional(),
          "fixed gas limit (unset: the estimate × gasLimitMultiplierBps)",
          "KEEPER_GAS_LIMIT",
        ),
        gasLimitMultiplierBps: field(
          z.coerce
            .bigint()
            .refine((v) => v >= 10_000n && v <= 30_000n, "10000..30000")
            .default(12_000n),
          "gas limit over the estimate",
        ),
        bumpBps: field(
          z.coerce
            .bigint()
            .refine((v) => v >= 1_250n && v <= 50_000n, "1250..50000 (nodes need +12.5%)")
            .default(1_250n),
          "fee bump of a replacement (nodes require at least 12.5%)",
          "KEEPER_FEE_BUMP_BPS",
        ),
        replaceAfterBlocks: field(
          int(1).default(3),
          "blocks a transaction may wait before it is replaced",
          "KEEPER_REPLACE_AFTER_BLOCKS",
        ),
        maxReplacements: field(int(0, 20).default(5), "replacements per decision", "KEEPER_MAX_REPLACEMENTS"),
        receiptTimeoutMs: field(
          int(1_000).default(180_000),
          "wait for a receipt; then the nonce stays reserved until it settles",
          "KEEPER_RECEIPT_TIMEOUT_MS",
        ),
        minBalance: field(
          nonNegativeWei.default(10_000_000_000_000_000n),
          "below this the key alarms and `run`/`once` refuse to start",
          "KEEPER_MIN_BALANCE",
        ),
      })
      .strict(),
    loop: z
      .object({
        pollIntervalMs: field(int(10).default(1_000), "how often the head block is polled", "KEEPER_POLL_INTERVAL_MS"),
        paramsRefreshBlocks: field(
          int(1).default(100),
          "bands, strategy, feed and the KEEPER role are re-read every this many blocks",
          "KEEPER_PARAMS_REFRESH_BLOCKS",
        ),
        priceHistory: field(int(2, 1_000).default(64), "distinct oracle prices kept per vault (volatility policy)"),
        multicallBatchSize: field(
          int(8, 5_000).default(256),
          "sub-calls per Multicall3 eth_call (all of a block's in one HTTP request)",
          "KEEPER_MULTICALL_BATCH_SIZE",
        ),
      })
      .strict()
      .default({}),
    instance: z
      .object({
        standbyBlocks: field(
          int(0, 10_000).default(0),
          "0 for the primary; a standby lets a breach persist this many blocks before acting",
          "KEEPER_STANDBY_BLOCKS",
        ),
      })
      .strict()
      .default({}),
    orders: z
      .object({
        execute: field(
          z.boolean().default(false),
          "execute each vault's venue order once due (its delay over, the first feed round after its submission published): the order book's `executeOrder(venue)`, which pays the order's execution fee to the key; false: pending orders are reported only (any executor may run them). Either way the keeper settles each vault's round once its order is gone or expired (`settleRound()`)",
          "KEEPER_EXECUTE_ORDERS",
          asBool,
        ),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        enabled: field(
          z.boolean().default(true),
          "serve /metrics and /healthz (`run`)",
          "KEEPER_METRICS_ENABLED",
          asBool,
        ),
        host: field(z.string().default("127.0.0.1"), "listen address", "KEEPER_METRICS_HOST"),
        port: field(int(0, 65_535).default(9464), "listen port (0: any free port)", "KEEPER_METRICS_PORT"),
        maxPollAgeSeconds: field(
          int(1).default(30),
          "/healthz turns 503 when no read of the chain succeeded for this long",
          "KEEPER_MAX_POLL_AGE_SECONDS",
        ),
        maxHeadAgeSeconds: field(
          int(1).optional(),
          "/healthz also turns 503 when the head block is older (unset: an idle automine node is healthy)",
          "KEEPER_MAX_HEAD_AGE_SECONDS",
        ),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: field(
          z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
          "log level",
          "KEEPER_LOG_LEVEL",
        ),
      })
      .strict()
      .default({}),
    vaults: field(
      z.array(vaultSchema).min(1, "at least one vault"),
      "the vaults to watch (a JSON array in the environment)",
      "KEEPER_VAULTS",
      asJson,
    ),
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

/** One documented config field: its path, what overrides it, what it means, its default. */
export interface ConfigField {
  path: string;
  env?: string;
  parse: EnvParser;
  doc: string;
  default: string;
}

function defaultOf(schema: z.ZodTypeAny): string {
  if (schema instanceof z.ZodDefault) {
    const v: unknown = schema._def.defaultValue();
    return typeof v === "bigint" ? v.toString() : JSON.stringify(v);
  }
  if (schema instanceof z.ZodOptional) return "unset";
  return "required";
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return unwrap(schema._def.innerType);
  if (schema instanceof z.ZodEffects) return unwrap(schema._def.schema);
  return schema;
}

/**
 * Every config field, walked from the schema. A field without a description is a programming
 * error (thrown here, hence in the tests): the schema is the one place fields are declared.
 */
export function configFields(): ConfigField[] {
  const out: ConfigField[] = [];
  const walk = (schema: z.ZodTypeAny, path: string, inheritedDefault?: string): void => {
    const meta = DOCS.get(schema);
    if (meta) out.push({ path, ...meta, default: inheritedDefault ?? defaultOf(schema) });
    const inner = unwrap(schema);
    if (inner instanceof z.ZodArray && inner.element instanceof z.ZodObject) return walk(inner.element, `${path}[]`);
    if (meta) return;
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>))
        walk(child, path ? `${path}.${key}` : key);
      return;
    }
    if (inner instanceof z.ZodDiscriminatedUnion) {
      // The options share keys (the discriminator); each key is documented on one option. A
      // default on the union as a whole is each key's default.
      const whole =
        schema instanceof z.ZodDefault ? (schema._def.defaultValue() as Record<string, unknown>) : undefined;
      const seen = new Set<string>();
      for (const option of inner.options as z.ZodObject<z.ZodRawShape>[])
        for (const [key, child] of Object.entries(option.shape as Record<string, z.ZodTypeAny>))
          if (DOCS.has(child) && !seen.has(key)) {
            seen.add(key);
            walk(child, `${path}.${key}`, whole && (key in whole ? JSON.stringify(whole[key]) : "unset"));
          }
      return;
    }
    throw new Error(`config field ${path} has no description: declare it with field()`);
  };
  walk(configSchema, "");
  return out;
}

/** Every environment override: variable, the config field it replaces, and how it is read. */
export const ENV_OVERRIDES: readonly { env: string; path: readonly string[]; parse: EnvParser }[] = configFields()
  .filter((f): f is ConfigField & { env: string } => f.env !== undefined)
  .map((f) => ({ env: f.env, path: f.path.split("."), parse: f.parse }));

/** The README's config table, from the schema (`npm run docs:keeper` writes it). */
export function configTable(): string {
  const rows = configFields().map(
    (f) => `| \`${f.path}\` | ${f.env ? `\`${f.env}\`` : "–"} | ${f.default} | ${f.doc} |`,
  );
  return ["| field | env override | default | what |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

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
