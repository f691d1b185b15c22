import { type FunctionFragment, type Result, ZeroHash, toBeHex } from "ethers";
import type { Bands, Strategy, VaultState } from "../types.js";
import { feedInterface, multicallInterface, vaultInterface } from "./abi.js";
import { decodeRevert, describeRevert, revertDataOf } from "./revert.js";
import {
  type Call3,
  type Call3Result,
  decodeAggregate3,
  encodeAggregate3,
  staticStructDecoder,
} from "./multicall-codec.js";
import type { RpcClient, RpcRequest } from "./rpc.js";

export interface BlockInfo {
  number: bigint;
  timestamp: bigint;
  baseFeePerGas: bigint;
  /** Hash of the block before this one, as the chain reports it. */
  parentHash: string;
}

export interface VaultRead {
  state?: VaultState;
  bands?: Bands;
  strategy?: Strategy;
  /** Whether the keeper's key holds the vault's KEEPER role (read with the parameters). */
  keyIsKeeper?: boolean;
  /** The vault's Chainlink feed (read with the parameters). */
  feed?: string;
  /** Seconds since the vault's feed last updated, at this block (when the feed is known). */
  oracleAgeSeconds?: bigint;
  /** Why this vault could not be read at this block (the others still were). */
  error?: string;
  /** The decoded revert's name when the read reverted (a metrics label). */
  errorName?: string;
}

export interface BlockRead {
  block: BlockInfo;
  /** The key's native balance, wei. */
  keyBalance: bigint;
  /** Hash of `checkBlock` as the chain now reports it (chain-replacement check); ZeroHash if none asked. */
  checkedHash: string;
  vaults: VaultRead[];
}

/** The read failed as a whole (no multicall contract, undecodable answer). */
export class ReadError extends Error {
  override name = "ReadError";
}

type Struct = Record<string, unknown>;
const big = (v: unknown): bigint => BigInt(v as bigint);

export function toVaultState(s: Struct): VaultState {
  return {
    totalAssets: big(s.totalAssets),
    totalSupply: big(s.totalSupply),
    sharePrice: big(s.sharePrice),
    price: big(s.price),
    spotQty: big(s.spotQty),
    shortQty: big(s.shortQty),
    perpEquity: big(s.perpEquity),
    marginRatioBps: big(s.marginRatioBps),
    deltaBps: big(s.deltaBps),
    idle: big(s.idle),
    idleBps: big(s.idleBps),
    band: Number(s.band) as VaultState["band"],
    tier: Number(s.tier) as VaultState["tier"],
    secondsSinceRebalance: big(s.secondsSinceRebalance),
    nextKeeperRebalanceAt: big(s.nextKeeperRebalanceAt),
    paused: Boolean(s.paused),
    collateralQty: big(s.collateralQty),
    deploymentBps: big(s.deploymentBps),
  };
}

export function toBands(s: Struct): Bands {
  return {
    deltaSoftBps: big(s.deltaSoftBps),
    deltaHardBps: big(s.deltaHardBps),
    minMarginRatioSoftBps: big(s.minMarginRatioSoftBps),
    minMarginRatioHardBps: big(s.minMarginRatioHardBps),
    maxMarginRatioSoftBps: big(s.maxMarginRatioSoftBps),
    maxMarginRatioHardBps: big(s.maxMarginRatioHardBps),
    idleSoftBps: big(s.idleSoftBps),
    idleHardBps: big(s.idleHardBps),
  };
}

export function toStrategy(s: Struct): Strategy {
  return {
    targetLeverageBps: big(s.targetLeverageBps),
    idleBufferBps: big(s.idleBufferBps),
    maxSlippageBps: big(s.maxSlippageBps),
    maxRebalanceCostBps: big(s.maxRebalanceCostBps),
    minRebalanceInterval: big(s.minRebalanceInterval),
  };
}

/** A sub-call's failure, decoded from the artifacts' errors. */
class CallFailed extends Error {
  constructor(
    fn: string,
    readonly errorName: string,
    detail: string,
  ) {
    super(`${fn}() failed: ${detail}`);
  }
}

function decodeCall(iface: typeof vaultInterface, fn: string, r: Call3Result): Result {
  if (!r.success) {
    const revert = decodeRevert(r.returnData);
    throw new CallFailed(fn, revert.name, describeRevert(revert));
  }
  if (r.returnData === "0x") throw new CallFailed(fn, "NoData", "empty answer (no contract at this address?)");
  try {
    return iface.decodeFunctionResult(fn, r.returnData);
  } catch {
    throw new CallFailed(fn, "BadData", `undecodable answer ${r.returnData}`);
  }
}
const structOf = (res: Result): Struct => (res[0] as { toObject(): Struct }).toObject();

const AGGREGATE3 = multicallInterface.getFunction("aggregate3")?.selector as string;
/** vaultState() is read for every vault at every block: the fast decoder when its layout allows. */
const fastVaultState = staticStructDecoder(vaultInterface.getFunction("vaultState") as FunctionFragment);
function vaultStateOf(r: Call3Result): Struct {
  if (!fastVaultState || !r.success || r.returnData === "0x")
    return structOf(decodeCall(vaultInterface, "vaultState", r));
  return fastVaultState(r.returnData);
}

/**
 * Reads every vault's `vaultState()` (plus `bands()`, `strategy()`, `priceFeed()` and the key's
 * KEEPER role when asked), each known feed's `latestRoundData()`, the block's time and base fee
 * and the key's gas balance at one block, through Multicall3's `aggregate3`: one `eth_call` per
 * `batchSize` sub-calls, all in one JSON-RPC batch (one HTTP request). A vault whose call fails is
 * reported on its own; the others are still read.
 */
export class VaultReader {
  constructor(
    private readonly rpc: RpcClient,
    private readonly multicall: string,
    private readonly addresses: readonly string[],
    private readonly key: string,
    private readonly batchSize: number,
  ) {}

  async read(
    blockNumber: bigint,
    opts: { withParams: boolean; feeds: readonly (string | undefined)[]; checkBlock?: bigint },
  ): Promise<BlockRead> {
    const mc = (fn: string, args: unknown[] = []): Call3 => ({
      target: this.multicall,
      allowFailure: false,
      callData: multicallInterface.encodeFunctionData(fn, args),
    });
    const calls: Call3[] = [
      mc("getCurrentBlockTimestamp"),
      mc("getBasefee"),
      mc("getLastBlockHash"),
      mc("getEthBalance", [this.key]),
      mc("getBlockHash", [opts.checkBlock ?? 0n]),
    ];
    const HEADER = calls.length;
    const perVault = opts.withParams ? 5 : 1;
    const at = (to: string, data: string): Call3 => ({ target: to, allowFailure: true, callData: data });
    for (const to of this.addresses) {
      calls.push(at(to, vaultInterface.encodeFunctionData("vaultState")));
      if (opts.withParams) {
        calls.push(at(to, vaultInterface.encodeFunctionData("bands")));
        calls.push(at(to, vaultInterface.encodeFunctionData("strategy")));
        calls.push(at(to, vaultInterface.encodeFunctionData("priceFeed")));
        calls.push(at(to, vaultInterface.encodeFunctionData("isKeeper", [this.key])));
      }
    }
    // Each distinct feed once, whatever the number of vaults on it.
    const feeds = [...new Set(opts.feeds.filter((f): f is string => f !== undefined))];
    const FEEDS = calls.length;
    for (const f of feeds) calls.push(at(f, feedInterface.encodeFunctionData("latestRoundData")));

    const results = await this.aggregate(calls, blockNumber);
    const header = (i: number, fn: string) => decodeCall(multicallInterface, fn, results[i])[0] as bigint | string;
    const block: BlockInfo = {
      number: blockNumber,
      timestamp: BigInt(header(0, "getCurrentBlockTimestamp")),
      baseFeePerGas: BigInt(header(1, "getBasefee")),
      parentHash: String(header(2, "getLastBlockHash")),
    };
    const keyBalance = BigInt(header(3, "getEthBalance"));
    const checkedHash = opts.checkBlock === undefined ? ZeroHash : String(header(4, "getBlockHash"));

    const updatedAt = new Map<string, bigint>();
    feeds.forEach((f, i) => {
      const r = results[FEEDS + i];
      if (r.success && r.returnData.length > 2)
        updatedAt.set(f, BigInt(feedInterface.decodeFunctionResult("latestRoundData", r.returnData).updatedAt));
    });

    const vaults = this.addresses.map((_, i): VaultRead => {
      const base = HEADER + i * perVault;
      const read: VaultRead = {};
      const feed = opts.feeds[i];
      try {
        if (opts.withParams) {
          read.bands = toBands(structOf(decodeCall(vaultInterface, "bands", results[base + 1])));
          read.strategy = toStrategy(structOf(decodeCall(vaultInterface, "strategy", results[base + 2])));
          read.feed = String(decodeCall(vaultInterface, "priceFeed", results[base + 3])[0]);
          read.keyIsKeeper = Boolean(decodeCall(vaultInterface, "isKeeper", results[base + 4])[0]);
        }
        const known = feed === undefined ? undefined : updatedAt.get(feed);
        if (known !== undefined) read.oracleAgeSeconds = block.timestamp - known;
        read.state = toVaultState(vaultStateOf(results[base]));
      } catch (err) {
        read.state = undefined;
        read.error = (err as Error).message;
        read.errorName = err instanceof CallFailed ? err.errorName : "Error";
      }
      return read;
    });
    return { block, keyBalance, checkedHash, vaults };
  }

  /** `aggregate3` in chunks of `batchSize` sub-calls, one JSON-RPC batch for all chunks. */
  private async aggregate(calls: Call3[], blockNumber: bigint): Promise<Call3Result[]> {
    const tag = toBeHex(blockNumber);
    const chunks: Call3[][] = [];
    for (let i = 0; i < calls.length; i += this.batchSize) chunks.push(calls.slice(i, i + this.batchSize));
    const requests: RpcRequest[] = chunks.map((chunk) => ({
      method: "eth_call",
      params: [{ to: this.multicall, data: encodeAggregate3(AGGREGATE3, chunk) }, tag],
    }));
    const items = await this.rpc.batch<string>(requests);
    const out: Call3Result[] = [];
    items.forEach((item) => {
      if (!item.ok) {
        const data = revertDataOf(item.error.data);
        throw new ReadError(
          `Multicall3 read at block ${blockNumber} failed: ${data ? describeRevert(decodeRevert(data)) : item.error.message}`,
          { cause: item.error },
        );
      }
      if (item.result === "0x")
        throw new ReadError(
          `no Multicall3 contract at ${this.multicall} (block ${blockNumber}); deploy it or fix "multicall3"`,
        );
      for (const r of decodeAggregate3(item.result)) out.push(r);
    });
    return out;
  }
}
