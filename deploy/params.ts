/**
 * Shape of the Ignition parameter files (ignition/parameters/*.json) and of the testnet address
 * book (deploy/networks.json): required fields, integers, addresses. Checked before any
 * transaction so that a bad file fails with the name of the field.
 *
 * No contract bound is written here: whether a value is inside the bounds of VaultParams or
 * PerpMarket (and whether the pool fee is a Uniswap fee tier) is asked of the contracts
 * themselves by deploy/preflight.ts. The one rule below that no contract holds ties two venues
 * together: the vault's slippage limit must exceed the pool fee, or every swap fails it.
 *
 * File format: Ignition's. Integers are JSON numbers, or strings like "1000000n" for values
 * beyond 2^53 (Ignition turns those into bigints); addresses are 0x-prefixed hex.
 */
import { readFileSync } from "node:fs";
import { isAddress, ZeroAddress } from "ethers";
import { z } from "zod";
import type { DeploymentParameters, SolidityParameterType } from "@nomicfoundation/ignition-core";

const UINT16_MAX = 0xffff;
const UINT24_MAX = 0xff_ffff;
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
const uint24 = uint(UINT24_MAX);
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
    rebalanceTargetBps: uint16,
  })
  .strict();

/**
 * PerpMarket's constructor parameters: which fields it takes is read from the compiled contract
 * by the preflight, so here only their type (non-negative integers). `skewScale` and the
 * open-interest caps are in WHOLE base tokens, `maxFundingRatePerDay` a WAD per day.
 */
const perpParamsSchema = z.record(bigUint);

/** Parameters every stack reads (deploy/lib/stackModule.ts). */
const commonShape = {
  heartbeat: uint32.min(1, "must be at least 1 second"),
  // A Uniswap fee in hundredths of a bip; the preflight asks the factory whether it is a tier.
  poolFee: uint24,
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
  // IDeltaNeutralVault.HedgeMode: 0 CashMargin (the default), 1 SpotCollateral.
  hedgeMode: z.union([z.literal(0), z.literal(1)]).optional(),
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
    // None by default on a local chain: an L2 sequencer uptime feed and the asset's own USD feed.
    sequencerUptimeFeed: address.optional(),
    sequencerGracePeriod: uint32.optional(),
    assetFeed: address.optional(),
    assetHeartbeat: uint32.optional(),
  })
  .strict();

const testnetSchema = z
  .object({
    ...commonShape,
    sequencerGracePeriod: uint32,
    // The market's DelayedOrders book (testnet markets are in delayed mode): seconds, seconds,
    // USDC units; the bounds are the book's own, checked by the preflight.
    perpOrders: z.object({ minDelay: uint32, maxDelay: uint32, executionFee: bigUint }).strict(),
    admin: nonZeroAddress,
    // PerpMarket owner: a different account from `admin` (checked below).
    marketOwner: nonZeroAddress,
    keeper: nonZeroAddress,
    guardian: nonZeroAddress,
    feeRecipient: nonZeroAddress,
  })
  .strict()
  .superRefine((p, ctx) => {
    // A zero placeholder was already reported by the field's own check.
    if (/^0x0{40}$/i.test(p.marketOwner)) return;
    if (p.marketOwner.toLowerCase() === p.admin.toLowerCase()) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["marketOwner"],
        message: "must differ from admin: the venue's owner is never the vault's admin",
      });
    }
  });

export type LocalParameters = z.output<typeof localSchema>;
export type TestnetParameters = z.output<typeof testnetSchema>;
export type StackKind = "local" | "testnet";

/** The Ignition module each kind of stack deploys, which is also its key in a parameter file. */
export const MODULE_IDS = { local: "LocalStack", testnet: "TestnetStack" } as const;

// ---------------------------------------------------------------------------------------------
// Cross-venue check
// ---------------------------------------------------------------------------------------------

type Common = z.output<z.ZodObject<typeof commonShape>>;

/** Rules between fields that no single contract can check. */
function checkCommon(p: Common, ctx: z.RefinementCtx) {
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
