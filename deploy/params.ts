/**
 * Validation of the Ignition parameter files (ignition/parameters/*.json) and of the testnet
 * address book (deploy/networks.json), run before any transaction is sent so that a bad file
 * fails with the name of the field instead of a revert half-way through a deployment.
 *
 * The bounds mirror the contracts (a test deploys the contracts at each bound to keep them in
 * step):
 *  - contracts/vault/VaultParams.sol: strategy and band bounds, soft inside hard, the target
 *    margin ratio 1/L at least MIN_TARGET_CLEARANCE_BPS clear of both soft margin bands, fee caps;
 *  - contracts/perp/PerpMarket.sol: `_setParameter` bounds (liquidation reward <= maintenance
 *    < initial margin, skew scale and open-interest caps in WHOLE tokens);
 * plus checks that tie them together, which no single contract can see:
 *  - the vault's hard margin floor sits above the perp's maintenance margin (otherwise the perp
 *    liquidates the vault before anyone may rebalance);
 *  - the target margin ratio 1/L is at least the perp's initial margin (otherwise the short the
 *    rebalance opens is refused);
 *  - the vault's slippage limit exceeds the pool fee (otherwise every swap fails it).
 *
 * File format: Ignition's. Integers are JSON numbers, or strings like "1000000n" for values
 * beyond 2^53 (Ignition turns those into bigints); addresses are 0x-prefixed hex.
 */
import { readFileSync } from "node:fs";
import { isAddress, ZeroAddress } from "ethers";
import { z } from "zod";
import type { DeploymentParameters, SolidityParameterType } from "@nomicfoundation/ignition-core";

// ---------------------------------------------------------------------------------------------
// Bounds (names as in the contracts)
// ---------------------------------------------------------------------------------------------

export const VAULT_BOUNDS = {
  BPS: 10_000,
  MIN_LEVERAGE_BPS: 10_000,
  MAX_LEVERAGE_BPS: 50_000,
  MAX_IDLE_BUFFER_BPS: 3_000,
  MIN_SLIPPAGE_BPS: 30,
  MAX_SLIPPAGE_BPS: 300,
  MIN_REBALANCE_COST_BPS: 1,
  MAX_REBALANCE_COST_BPS: 300,
  MAX_REBALANCE_INTERVAL: 86_400,
  MIN_DELTA_BAND_BPS: 10,
  MAX_DELTA_BAND_BPS: 2_000,
  MIN_MARGIN_RATIO_FLOOR_BPS: 1_000,
  MAX_MARGIN_RATIO_CEIL_BPS: 50_000,
  MIN_IDLE_BAND_BPS: 10,
  MAX_IDLE_BAND_BPS: 5_000,
  MIN_TARGET_CLEARANCE_BPS: 500,
  MAX_MANAGEMENT_FEE_BPS: 200,
  MAX_PERFORMANCE_FEE_BPS: 3_000,
} as const;

export const PERP_BOUNDS = {
  MAX_TAKER_FEE_BPS: 100,
  MIN_INITIAL_MARGIN_BPS: 100,
  MAX_INITIAL_MARGIN_BPS: 10_000,
  MIN_MAINTENANCE_MARGIN_BPS: 20,
  MAX_LIQUIDATION_REWARD_BPS: 500,
  MAX_FUNDING_RATE_PER_DAY_LIMIT: 10n ** 17n,
  MIN_SKEW_SCALE: 1n,
  MAX_SKEW_SCALE: 10n ** 10n,
  MAX_OPEN_INTEREST_LIMIT: 10n ** 9n,
} as const;

/** Fee tiers the npm UniswapV3Factory (v3-core 1.0.1) enables at construction. */
export const POOL_FEES = [500, 3_000, 10_000] as const;

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffff_ffff;

// ---------------------------------------------------------------------------------------------
// Field types
// ---------------------------------------------------------------------------------------------

const uint = (max: number) =>
  z
    .number({ invalid_type_error: "must be a JSON integer" })
    .int("must be an integer")
    .min(0, "must not be negative")
    .max(max, `must be at most ${max}`);
const uint16 = uint(UINT16_MAX);
const uint32 = uint(UINT32_MAX);

/** A uint256 as Ignition writes it: a safe JSON integer, or a "<digits>n" string. */
const bigUint = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d+n$/), z.bigint()], {
    errorMap: (_issue, ctx) => ({
      message:
        ctx.data === undefined
          ? "Required"
          : 'must be a non-negative integer: a JSON number or a string like "1000000n"',
    }),
  })
  .transform((v) => (typeof v === "string" ? BigInt(v.slice(0, -1)) : BigInt(v)));

const address = z
  .string({ invalid_type_error: "must be an address string" })
  .refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v), "must be a 0x-prefixed 20-byte address (checksum ok)");
const nonZeroAddress = address.refine((v) => BigInt(v) !== 0n, "must not be the zero address");

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

const bandsSchema = z
  .object({
    deltaSoftBps: uint16,
    deltaHardBps: uint16,
    minMarginRatioSoftBps: uint16,
    minMarginRatioHardBps: uint16,
    maxMarginRatioSoftBps: uint16,
    maxMarginRatioHardBps: uint16,
    idleSoftBps: uint16,
    idleHardBps: uint16,
  })
  .strict();

const strategySchema = z
  .object({
    targetLeverageBps: uint16,
    idleBufferBps: uint16,
    maxSlippageBps: uint16,
    maxRebalanceCostBps: uint16,
    minRebalanceInterval: uint32,
  })
  .strict();

const perpParamsSchema = z
  .object({
    takerFeeBps: bigUint,
    initialMarginBps: bigUint,
    maintenanceMarginBps: bigUint,
    liquidationRewardBps: bigUint,
    /** WAD per day (1e15 = 0.1% a day at full skew). */
    maxFundingRatePerDay: bigUint,
    /** WHOLE base tokens, not 18-decimal units. */
    skewScale: bigUint,
    maxLongOpenInterest: bigUint,
    maxShortOpenInterest: bigUint,
  })
  .strict();

/** Parameters every stack reads (deploy/lib/stackModule.ts). */
const commonShape = {
  heartbeat: uint32.min(1, "must be at least 1 second"),
  poolFee: z.union(
    POOL_FEES.map((f) => z.literal(f)) as unknown as [z.ZodLiteral<500>, z.ZodLiteral<3000>, z.ZodLiteral<10000>],
    {
      errorMap: (_issue, ctx) => ({
        message: ctx.data === undefined ? "Required" : `must be one of the factory's fee tiers ${POOL_FEES.join(", ")}`,
      }),
    },
  ),
  poolLiquidityUsdc: bigUint.refine((v) => v > 0n, "must be positive"),
  perpPoolUsdc: bigUint.refine((v) => v > 0n, "must be positive"),
  perpParams: perpParamsSchema,
  vaultName: z.string().min(1, "must not be empty"),
  vaultSymbol: z.string().min(1, "must not be empty"),
  bands: bandsSchema,
  strategy: strategySchema,
  // Zero would deploy a vault nobody can deposit into: almost certainly a mistake in a file.
  depositCap: bigUint.refine((v) => v > 0n, "must be positive"),
  managementFeeBps: uint16,
  performanceFeeBps: uint16,
};

const localSchema = z
  .object({
    ...commonShape,
    /** MockV3Aggregator answer, 8 decimals (3000e8 = 3000 USD per ETH). */
    oracleAnswer: bigUint.refine((v) => v > 0n, "must be positive"),
    // Roles default to hardhat accounts #3 (keeper), #4 (guardian) and #0 (fee recipient).
    keeper: nonZeroAddress.optional(),
    guardian: nonZeroAddress.optional(),
    feeRecipient: nonZeroAddress.optional(),
  })
  .strict();

const testnetSchema = z
  .object({
    ...commonShape,
    sequencerGracePeriod: uint32,
    admin: nonZeroAddress,
    keeper: nonZeroAddress,
    guardian: nonZeroAddress,
    feeRecipient: nonZeroAddress,
  })
  .strict();

export type LocalParameters = z.output<typeof localSchema>;
export type TestnetParameters = z.output<typeof testnetSchema>;
export type StackKind = "local" | "testnet";

/** The Ignition module each kind of stack deploys, which is also its key in a parameter file. */
export const MODULE_IDS = { local: "LocalStack", testnet: "TestnetStack" } as const;

// ---------------------------------------------------------------------------------------------
// Cross-field checks
// ---------------------------------------------------------------------------------------------

type Common = z.output<z.ZodObject<typeof commonShape>>;

function checkRange(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  value: number | bigint,
  min: number | bigint,
  max: number | bigint,
  why: string,
) {
  // A non-integer was already reported by the field's own type check (zod still runs the
  // refinements on such "dirty" data).
  if (typeof value === "number" && !Number.isInteger(value)) return;
  const v = BigInt(value);
  if (v < BigInt(min) || v > BigInt(max)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `${value} is outside [${min}, ${max}]: ${why}` });
  }
}

/** VaultParams.checkStrategy, field by field. */
function checkStrategy(s: Common["strategy"], ctx: z.RefinementCtx): boolean {
  const B = VAULT_BOUNDS;
  let ok = true;
  const check = (field: keyof typeof s, min: number, max: number, why: string) => {
    if (s[field] < min || s[field] > max) ok = false;
    checkRange(ctx, ["strategy", field], s[field], min, max, why);
  };
  check("targetLeverageBps", B.MIN_LEVERAGE_BPS, B.MAX_LEVERAGE_BPS, "perp leverage between 1x and 5x");
  check("idleBufferBps", 0, B.MAX_IDLE_BUFFER_BPS, "idle buffer at most 30%");
  check("maxSlippageBps", B.MIN_SLIPPAGE_BPS, B.MAX_SLIPPAGE_BPS, "slippage limit between 0.3% and 3%");
  check(
    "maxRebalanceCostBps",
    B.MIN_REBALANCE_COST_BPS,
    B.MAX_REBALANCE_COST_BPS,
    "rebalance cost between 0.01% and 3%",
  );
  check("minRebalanceInterval", 0, B.MAX_REBALANCE_INTERVAL, "keeper interval at most one day");
  return ok;
}

/** VaultParams.checkBands (needs a valid target leverage for the clearance around 1/L). */
function checkBands(b: Common["bands"], targetLeverageBps: number, ctx: z.RefinementCtx) {
  const B = VAULT_BOUNDS;
  const at = (field: keyof typeof b) => ["bands", field];
  const targetRatio = Math.floor((B.BPS * B.BPS) / targetLeverageBps);
  const clear = B.MIN_TARGET_CLEARANCE_BPS;
  checkRange(ctx, at("deltaSoftBps"), b.deltaSoftBps, B.MIN_DELTA_BAND_BPS, B.MAX_DELTA_BAND_BPS, "delta band range");
  checkRange(
    ctx,
    at("deltaHardBps"),
    b.deltaHardBps,
    b.deltaSoftBps + 1,
    B.MAX_DELTA_BAND_BPS,
    "must exceed deltaSoftBps",
  );
  checkRange(
    ctx,
    at("minMarginRatioHardBps"),
    b.minMarginRatioHardBps,
    B.MIN_MARGIN_RATIO_FLOOR_BPS,
    B.MAX_MARGIN_RATIO_CEIL_BPS,
    "hard margin floor range",
  );
  checkRange(
    ctx,
    at("minMarginRatioSoftBps"),
    b.minMarginRatioSoftBps,
    b.minMarginRatioHardBps + 1,
    Math.max(targetRatio - clear, 0),
    `must exceed minMarginRatioHardBps and stay ${clear} bps below the target margin ratio 1/L = ${targetRatio}`,
  );
  checkRange(
    ctx,
    at("maxMarginRatioSoftBps"),
    b.maxMarginRatioSoftBps,
    targetRatio + clear,
    B.MAX_MARGIN_RATIO_CEIL_BPS - 1,
    `must stay ${clear} bps above the target margin ratio 1/L = ${targetRatio}`,
  );
  checkRange(
    ctx,
    at("maxMarginRatioHardBps"),
    b.maxMarginRatioHardBps,
    b.maxMarginRatioSoftBps + 1,
    B.MAX_MARGIN_RATIO_CEIL_BPS,
    "must exceed maxMarginRatioSoftBps",
  );
  checkRange(ctx, at("idleSoftBps"), b.idleSoftBps, B.MIN_IDLE_BAND_BPS, B.MAX_IDLE_BAND_BPS, "idle band range");
  checkRange(ctx, at("idleHardBps"), b.idleHardBps, b.idleSoftBps + 1, B.MAX_IDLE_BAND_BPS, "must exceed idleSoftBps");
}

/** PerpMarket._setParameter, in the constructor's order (each bound refers to earlier ones). */
function checkPerpParams(p: Common["perpParams"], ctx: z.RefinementCtx) {
  const P = PERP_BOUNDS;
  const at = (field: keyof typeof p) => ["perpParams", field];
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  checkRange(ctx, at("skewScale"), p.skewScale, P.MIN_SKEW_SCALE, P.MAX_SKEW_SCALE, "WHOLE base tokens, not wei");
  checkRange(ctx, at("maxFundingRatePerDay"), p.maxFundingRatePerDay, 0n, P.MAX_FUNDING_RATE_PER_DAY_LIMIT, "WAD/day");
  checkRange(ctx, at("takerFeeBps"), p.takerFeeBps, 0, P.MAX_TAKER_FEE_BPS, "taker fee at most 1%");
  checkRange(
    ctx,
    at("initialMarginBps"),
    p.initialMarginBps,
    max(BigInt(P.MIN_INITIAL_MARGIN_BPS), p.maintenanceMarginBps + 1n),
    P.MAX_INITIAL_MARGIN_BPS,
    "must exceed maintenanceMarginBps",
  );
  checkRange(
    ctx,
    at("maintenanceMarginBps"),
    p.maintenanceMarginBps,
    max(BigInt(P.MIN_MAINTENANCE_MARGIN_BPS), p.liquidationRewardBps),
    p.initialMarginBps - 1n,
    "must be below initialMarginBps and at least liquidationRewardBps",
  );
  checkRange(
    ctx,
    at("liquidationRewardBps"),
    p.liquidationRewardBps,
    0n,
    min(BigInt(P.MAX_LIQUIDATION_REWARD_BPS), p.maintenanceMarginBps),
    "must not exceed maintenanceMarginBps (nor 5%)",
  );
  checkRange(ctx, at("maxLongOpenInterest"), p.maxLongOpenInterest, 0n, P.MAX_OPEN_INTEREST_LIMIT, "WHOLE tokens");
  checkRange(ctx, at("maxShortOpenInterest"), p.maxShortOpenInterest, 0n, P.MAX_OPEN_INTEREST_LIMIT, "WHOLE tokens");
}

function checkCommon(p: Common, ctx: z.RefinementCtx) {
  const strategyOk = checkStrategy(p.strategy, ctx);
  // Bands depend on 1/L; with an out-of-range leverage the strategy issue is the one to fix.
  if (strategyOk) checkBands(p.bands, p.strategy.targetLeverageBps, ctx);
  checkPerpParams(p.perpParams, ctx);
  const B = VAULT_BOUNDS;
  checkRange(ctx, ["managementFeeBps"], p.managementFeeBps, 0, B.MAX_MANAGEMENT_FEE_BPS, "at most 2% a year");
  checkRange(ctx, ["performanceFeeBps"], p.performanceFeeBps, 0, B.MAX_PERFORMANCE_FEE_BPS, "at most 30% of gains");

  // Vault against perp and pool.
  if (!strategyOk) return;
  const targetRatio = Math.floor((B.BPS * B.BPS) / p.strategy.targetLeverageBps);
  if (BigInt(p.bands.minMarginRatioHardBps) <= p.perpParams.initialMarginBps) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["bands", "minMarginRatioHardBps"],
      message:
        `${p.bands.minMarginRatioHardBps} must exceed perpParams.initialMarginBps ` +
        `(${p.perpParams.initialMarginBps}): below it the perp refuses the margin withdrawals an unwind needs, ` +
        `so anyone must be able to rebalance first (and maintenance lies below initial margin)`,
    });
  }
  if (BigInt(targetRatio) < p.perpParams.initialMarginBps) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["strategy", "targetLeverageBps"],
      message:
        `${p.strategy.targetLeverageBps} gives a target margin ratio of ${targetRatio} bps, below ` +
        `perpParams.initialMarginBps (${p.perpParams.initialMarginBps}): the perp would refuse the short`,
    });
  }
  const poolFeeBps = p.poolFee / 100;
  if (p.strategy.maxSlippageBps <= poolFeeBps) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["strategy", "maxSlippageBps"],
      message: `${p.strategy.maxSlippageBps} must exceed the pool fee (${poolFeeBps} bps) or every swap fails it`,
    });
  }
}

const localChecked = localSchema.superRefine(checkCommon);
// The sequencer grace period only matters with an uptime feed: checked with the address book.
const testnetChecked = testnetSchema.superRefine(checkCommon);

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** A parameter file failed validation; `issues` are "Module.field.path: message" lines. */
export class ParameterError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source} is invalid:\n  - ${issues.join("\n  - ")}`);
    this.name = "ParameterError";
  }
}

function formatIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path].filter((p) => p !== "").join(".");
    return `${path}: ${issue.message}`;
  });
}

/** The module's section of a parameter file (`{ "LocalStack": { ... } }`). */
function moduleSection(kind: StackKind, raw: unknown, source: string): unknown {
  const moduleId = MODULE_IDS[kind];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ParameterError(source, [`the file must hold a JSON object with a "${moduleId}" key`]);
  }
  const record = raw as Record<string, unknown>;
  const others = Object.keys(record).filter((k) => k !== moduleId && k !== "$global");
  if (!(moduleId in record)) {
    throw new ParameterError(source, [`${moduleId}: missing (the parameters of the ${moduleId} module)`]);
  }
  if (others.length > 0) {
    throw new ParameterError(source, [`${others.join(", ")}: unknown module key(s); expected only "${moduleId}"`]);
  }
  return record[moduleId];
}

export function validateLocalParameters(raw: unknown, source = "parameters"): LocalParameters {
  const parsed = localChecked.safeParse(moduleSection("local", raw, source));
  if (!parsed.success) throw new ParameterError(source, formatIssues(MODULE_IDS.local, parsed.error));
  return parsed.data;
}

export function validateTestnetParameters(raw: unknown, source = "parameters"): TestnetParameters {
  const parsed = testnetChecked.safeParse(moduleSection("testnet", raw, source));
  if (!parsed.success) throw new ParameterError(source, formatIssues(MODULE_IDS.testnet, parsed.error));
  return parsed.data;
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ParameterError(path, [`cannot read the file (${(e as Error).message})`]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParameterError(path, [`not valid JSON (${(e as Error).message})`]);
  }
}

// ---------------------------------------------------------------------------------------------
// Testnet address book (deploy/networks.json)
// ---------------------------------------------------------------------------------------------

/** An address with where it was read; `address: null` records one we could not verify. */
const sourcedAddress = z
  .object({
    address: address.nullable(),
    source: z.string().min(1, "say where the address was read (page title and URL)"),
    note: z.string().optional(),
  })
  .strict();

/** The public Uniswap V3 contracts the testnet stack uses, as named in networks.json. */
export const UNISWAP_FIELDS = ["uniswapV3Factory", "nonfungiblePositionManager", "swapRouter02", "quoterV2"] as const;
export type UniswapField = (typeof UNISWAP_FIELDS)[number];

/** Chainlink Automation on the network: the registrar upkeeps register through, the registry, LINK. */
const automationEntry = z
  .object({ registrar: sourcedAddress, registry: sourcedAddress, link: sourcedAddress })
  .strict();

const networkEntry = z
  .object({
    chainId: z.number().int().positive(),
    automation: automationEntry.optional(),
    ethUsdFeed: sourcedAddress,
    sequencerUptimeFeed: sourcedAddress,
    uniswapV3Factory: sourcedAddress,
    nonfungiblePositionManager: sourcedAddress,
    swapRouter02: sourcedAddress,
    quoterV2: sourcedAddress,
  })
  .strict();

const networksSchema = z.record(networkEntry);
export type NetworkEntry = z.output<typeof networkEntry>;

/** The Automation contracts of `network` (keeper/automation), every address required. */
export function resolveAutomation(
  raw: unknown,
  network: string,
  source = "deploy/networks.json",
): { chainId: number; registrar: string; registry: string; link: string } {
  const parsed = networksSchema.safeParse(raw);
  if (!parsed.success) throw new ParameterError(source, formatIssues("", parsed.error));
  const entry = parsed.data[network];
  if (entry === undefined)
    throw new ParameterError(source, [`${network}: no entry (known: ${Object.keys(parsed.data).join(", ")})`]);
  if (entry.automation === undefined)
    throw new ParameterError(source, [`${network}.automation: no Chainlink Automation entry`]);
  const out = { chainId: entry.chainId, registrar: "", registry: "", link: "" };
  for (const field of ["registrar", "registry", "link"] as const) {
    const a = entry.automation[field].address;
    if (a === null) throw new ParameterError(source, [`${network}.automation.${field}.address: null (not verified)`]);
    out[field] = a;
  }
  return out;
}

export interface ResolvedNetwork {
  chainId: number;
  ethUsdFeed: string;
  /** Zero address where the network has no sequencer uptime feed. */
  sequencerUptimeFeed: string;
  /** The network's public Uniswap V3 deployment (SwapRouter02 and QuoterV2 on these testnets). */
  uniswap: Record<UniswapField, string>;
}

/**
 * The entry for `network`. A null feed address (unverified) fails with the field's name; a null
 * sequencer feed means "none on this network" and becomes the zero address.
 */
export function resolveNetwork(raw: unknown, network: string, source = "deploy/networks.json"): ResolvedNetwork {
  const parsed = networksSchema.safeParse(raw);
  if (!parsed.success) throw new ParameterError(source, formatIssues("", parsed.error));
  const entry = parsed.data[network];
  if (entry === undefined) {
    throw new ParameterError(source, [`${network}: no entry (known: ${Object.keys(parsed.data).join(", ")})`]);
  }
  if (entry.ethUsdFeed.address === null) {
    throw new ParameterError(source, [
      `${network}.ethUsdFeed.address: null (not verified: ${entry.ethUsdFeed.note ?? entry.ethUsdFeed.source}); ` +
        "look it up in Chainlink's Price Feed Contract Addresses and fill it in",
    ]);
  }
  if (BigInt(entry.ethUsdFeed.address) === 0n) {
    throw new ParameterError(source, [`${network}.ethUsdFeed.address: must not be the zero address`]);
  }
  // Every Uniswap contract is required: unlike the sequencer feed, null cannot mean "none here".
  const uniswap = {} as Record<UniswapField, string>;
  const issues: string[] = [];
  for (const field of UNISWAP_FIELDS) {
    const { address: value, note, source: from } = entry[field];
    if (value === null) {
      issues.push(
        `${network}.${field}.address: null (not verified: ${note ?? from}); ` +
          "look it up in the Uniswap docs' v3 Deployments page for the network and fill it in",
      );
    } else if (BigInt(value) === 0n) {
      issues.push(`${network}.${field}.address: must not be the zero address`);
    } else {
      uniswap[field] = value;
    }
  }
  if (issues.length > 0) throw new ParameterError(source, issues);
  return {
    chainId: entry.chainId,
    ethUsdFeed: entry.ethUsdFeed.address,
    sequencerUptimeFeed: entry.sequencerUptimeFeed.address ?? ZeroAddress,
    uniswap,
  };
}

// ---------------------------------------------------------------------------------------------
// To Ignition
// ---------------------------------------------------------------------------------------------

/** Drops undefined (optional roles left to the module's defaults); keeps bigints as bigints. */
function clean(value: Record<string, unknown>): Record<string, SolidityParameterType> {
  const out: Record<string, SolidityParameterType> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = typeof v === "object" && v !== null ? clean(v as Record<string, unknown>) : (v as SolidityParameterType);
  }
  return out;
}

/** Ignition `parameters` for the local module. */
export function localIgnitionParameters(p: LocalParameters): DeploymentParameters {
  return { [MODULE_IDS.local]: clean(p) };
}

/** Ignition `parameters` for the testnet module: the file's values plus the address book's. */
export function testnetIgnitionParameters(p: TestnetParameters, network: ResolvedNetwork): DeploymentParameters {
  if (BigInt(network.sequencerUptimeFeed) !== 0n && p.sequencerGracePeriod === 0) {
    throw new ParameterError("parameters", [
      `${MODULE_IDS.testnet}.sequencerGracePeriod: must be positive on a network with a sequencer uptime feed`,
    ]);
  }
  return {
    [MODULE_IDS.testnet]: clean({
      ...p,
      ethUsdFeed: network.ethUsdFeed,
      sequencerUptimeFeed: network.sequencerUptimeFeed,
      ...network.uniswap,
    }),
  };
}
