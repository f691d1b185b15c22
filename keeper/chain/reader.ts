import { type FunctionFragment, type Interface, type Result, ZeroAddress, ZeroHash, getAddress, toBeHex } from "ethers";
import type { OrderBook, VenueOrder } from "../orders.js";
import type { Bands, PendingRound, Strategy, VaultState } from "../types.js";
import {
  adapterInterface,
  feedInterface,
  multicallInterface,
  orderBookInterface,
  vaultInterface,
  venueInterface,
} from "./abi.js";
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
  /** The vault's perp venue (read with the parameters; immutable in the vault). */
  perpVenue?: string;
  /** The venue's pending order (`IPerpVenue.pendingOrder()`), when the venue is known. */
  order?: VenueOrder;
  /** Why the venue's order could not be read at this block. */
  orderError?: string;
  /** The vault's two-phase round (`pendingRound()`), read with the venue's order. */
  round?: PendingRound;
  /** Why `pendingRound()` could not be read at this block. */
  roundError?: string;
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
  /** Each feed read's latest round, by address: its `updatedAt` (seconds) and `roundId`. */
  feedRounds: Map<string, FeedRound>;
}

/** A feed's latest round as `latestRoundData()` reports it. */
export interface FeedRound {
  roundId: bigint;
  updatedAt: bigint;
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

export function toVenueOrder(s: Struct): VenueOrder {
  return {
    pending: Boolean(s.pending),
    size: big(s.size),
    increasesShort: Boolean(s.increasesShort),
    submittedAt: big(s.submittedAt),
    expiresAt: big(s.expiresAt),
    acceptablePrice: big(s.acceptablePrice),
    executionFee: big(s.executionFee),
  };
}

export function toPendingRound(s: Struct): PendingRound {
  return {
    submittedAt: big(s.submittedAt),
    band: Number(s.band) as PendingRound["band"],
    tier: Number(s.tier) as PendingRound["tier"],
    increasesShort: Boolean(s.increasesShort),
    emergencyClose: Boolean(s.emergencyClose),
    totalAssetsBefore: big(s.totalAssetsBefore),
    shortTarget: big(s.shortTarget),
    marginTarget: big(s.marginTarget),
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

function decodeCall(iface: Interface, fn: string, r: Call3Result): Result {
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
/** The venue's `pendingOrder()` is read at every block too. */
const fastPendingOrder = staticStructDecoder(venueInterface.getFunction("pendingOrder") as FunctionFragment);
function pendingOrderOf(r: Call3Result): Struct {
  if (!fastPendingOrder || !r.success || r.returnData === "0x")
    return structOf(decodeCall(venueInterface, "pendingOrder", r));
  return fastPendingOrder(r.returnData);
}
const fastPendingRound = staticStructDecoder(vaultInterface.getFunction("pendingRound") as FunctionFragment);
function pendingRoundOf(r: Call3Result): Struct {
  if (!fastPendingRound || !r.success || r.returnData === "0x")
    return structOf(decodeCall(vaultInterface, "pendingRound", r));
  return fastPendingRound(r.returnData);
}
/** A zero address answer means "none" (a test double's venue, a synchronous market's book). */
const nonZero = (a: string): string | undefined => (a === ZeroAddress ? undefined : getAddress(a));

/**
 * Reads every vault's `vaultState()` (plus `bands()`, `strategy()`, `priceFeed()`, `perpVenue()`
 * and the key's KEEPER role when asked), each known venue's `pendingOrder()` with its vault's
 * `pendingRound()` (a vault without a known venue has no round to settle), each known feed's
 * `latestRoundData()`, the block's time and base fee and the key's gas balance at one block,
 * through Multicall3's `aggregate3`: one `eth_call` per `batchSize` sub-calls, all in one JSON-RPC
 * batch (one HTTP request). A vault whose call fails is reported on its own; the others are still
 * read.
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
    opts: {
      withParams: boolean;
      /** Per vault, in order: its feed, when known. Further entries (order books' feeds) are read too. */
      feeds: readonly (string | undefined)[];
      /** Per vault, in order: its perp venue, when known. */
      venues?: readonly (string | undefined)[];
      checkBlock?: bigint;
    },
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
    const perVault = opts.withParams ? 6 : 1;
    const at = (to: string, data: string): Call3 => ({ target: to, allowFailure: true, callData: data });
    for (const to of this.addresses) {
      calls.push(at(to, vaultInterface.encodeFunctionData("vaultState")));
      if (opts.withParams) {
        calls.push(at(to, vaultInterface.encodeFunctionData("bands")));
        calls.push(at(to, vaultInterface.encodeFunctionData("strategy")));
        calls.push(at(to, vaultInterface.encodeFunctionData("priceFeed")));
        calls.push(at(to, vaultInterface.encodeFunctionData("isKeeper", [this.key])));
        calls.push(at(to, vaultInterface.encodeFunctionData("perpVenue")));
      }
    }
    const ORDERS = calls.length;
    const orderAt: (number | undefined)[] = this.addresses.map((_, i) => {
      const venue = opts.venues?.[i];
      if (venue === undefined) return undefined;
      calls.push(at(venue, venueInterface.encodeFunctionData("pendingOrder")));
      calls.push(at(this.addresses[i], vaultInterface.encodeFunctionData("pendingRound")));
      return calls.length - 2 - ORDERS;
    });
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

    const feedRounds = new Map<string, FeedRound>();
    feeds.forEach((f, i) => {
      const r = results[FEEDS + i];
      if (!r.success || r.returnData.length <= 2) return;
      const round = feedInterface.decodeFunctionResult("latestRoundData", r.returnData);
      feedRounds.set(f, { roundId: BigInt(round.roundId), updatedAt: BigInt(round.updatedAt) });
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
          read.perpVenue = String(decodeCall(vaultInterface, "perpVenue", results[base + 5])[0]);
        }
        const known = feed === undefined ? undefined : feedRounds.get(feed);
        if (known !== undefined) read.oracleAgeSeconds = block.timestamp - known.updatedAt;
        read.state = toVaultState(vaultStateOf(results[base]));
      } catch (err) {
        read.state = undefined;
        read.error = (err as Error).message;
        read.errorName = err instanceof CallFailed ? err.errorName : "Error";
      }
      // The order is the venue's, read apart: a vault whose state reverts (a stale feed) still
      // shows its order, and an order that cannot be read does not hide the vault.
      const slot = orderAt[i];
      if (slot !== undefined)
        try {
          read.order = toVenueOrder(pendingOrderOf(results[ORDERS + slot]));
        } catch (err) {
          read.orderError = (err as Error).message;
        }
      if (slot !== undefined)
        try {
          read.round = toPendingRound(pendingRoundOf(results[ORDERS + slot + 1]));
        } catch (err) {
          read.roundError = (err as Error).message;
        }
      return read;
    });
    return { block, keyBalance, checkedHash, vaults, feedRounds };
  }

  /**
   * The DelayedOrders book behind each venue, with its minimum delay and feed, at `blockNumber`:
   * two `aggregate3` reads (the venues' `orderBook()`, then the books' `minDelay()`, `maxDelay()` and
   * `aggregator()`), made once per venue (both are immutable). A venue without that getter (not a
   * PerpMarketAdapter) or with a zero book (a synchronous market) maps to undefined.
   */
  async readOrderBooks(venues: readonly string[], blockNumber: bigint): Promise<Map<string, OrderBook | undefined>> {
    const at = (to: string, iface: Interface, fn: string): Call3 => ({
      target: to,
      allowFailure: true,
      callData: iface.encodeFunctionData(fn),
    });
    const named = await this.aggregate(
      venues.map((v) => at(v, adapterInterface, "orderBook")),
      blockNumber,
    );
    const bookOf = named.map((r) => {
      try {
        return nonZero(String(decodeCall(adapterInterface, "orderBook", r)[0]));
      } catch {
        return undefined;
      }
    });
    const books = [...new Set(bookOf.filter((b): b is string => b !== undefined))];
    const details = await this.aggregate(
      books.flatMap((b) => [
        at(b, orderBookInterface, "minDelay"),
        at(b, orderBookInterface, "aggregator"),
        at(b, orderBookInterface, "maxDelay"),
      ]),
      blockNumber,
    );
    const known = new Map<string, OrderBook>();
    books.forEach((address, i) => {
      try {
        const minDelay = BigInt(decodeCall(orderBookInterface, "minDelay", details[3 * i])[0] as bigint);
        const feed = getAddress(String(decodeCall(orderBookInterface, "aggregator", details[3 * i + 1])[0]));
        const maxDelay = BigInt(decodeCall(orderBookInterface, "maxDelay", details[3 * i + 2])[0] as bigint);
        known.set(address, { address, minDelay, maxDelay, feed });
      } catch {
        // Not a DelayedOrders book: the venue's orders are reported, not executed.
      }
    });
    return new Map(venues.map((v, i) => [v, bookOf[i] === undefined ? undefined : known.get(bookOf[i] as string)]));
  }

  /** Whether `book` still holds an order of `account` after block `blockNumber` (`hasPendingOrder`). */
  async hasPendingOrder(book: string, account: string, blockNumber: bigint): Promise<boolean> {
    const data = orderBookInterface.encodeFunctionData("hasPendingOrder", [account]);
    const answer = await this.rpc.call<string>("eth_call", [{ to: book, data }, toBeHex(blockNumber)]);
    return Boolean(orderBookInterface.decodeFunctionResult("hasPendingOrder", answer)[0]);
  }

  /** The vault's `submittedAt` of its pending round after block `blockNumber` (0: none). */
  async roundSubmittedAt(vault: string, blockNumber: bigint): Promise<bigint> {
    const data = vaultInterface.encodeFunctionData("pendingRound");
    const answer = await this.rpc.call<string>("eth_call", [{ to: vault, data }, toBeHex(blockNumber)]);
    return toPendingRound(structOf(vaultInterface.decodeFunctionResult("pendingRound", answer))).submittedAt;
  }

  /** `aggregate3` in chunks of `batchSize` sub-calls, one JSON-RPC batch for all chunks. */
  private async aggregate(calls: Call3[], blockNumber: bigint): Promise<Call3Result[]> {
    if (calls.length === 0) return [];
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
