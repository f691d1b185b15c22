import { toBeHex } from "ethers";
import type { Bands, Strategy, VaultState } from "../types.js";
import { vaultInterface } from "./abi.js";
import { decodeRevert, describeRevert, revertDataOf } from "./revert.js";
import type { BatchItem, RpcClient, RpcRequest } from "./rpc.js";

export interface BlockInfo {
  number: bigint;
  timestamp: bigint;
  baseFeePerGas: bigint;
}

export interface VaultRead {
  state?: VaultState;
  bands?: Bands;
  strategy?: Strategy;
  /** Why this vault could not be read at this block (the others still were). */
  error?: string;
}

export interface BlockRead {
  block: BlockInfo;
  vaults: VaultRead[];
}

const STATE_CALL = vaultInterface.encodeFunctionData("vaultState");
const BANDS_CALL = vaultInterface.encodeFunctionData("bands");
const STRATEGY_CALL = vaultInterface.encodeFunctionData("strategy");

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

function decodeStruct(fn: "vaultState" | "bands" | "strategy", item: BatchItem): Struct {
  if (!item.ok) {
    const data = revertDataOf(item.error.data);
    throw new Error(`${fn}() failed: ${data ? describeRevert(decodeRevert(data)) : item.error.message}`);
  }
  const [struct] = vaultInterface.decodeFunctionResult(fn, item.result as string);
  return (struct as { toObject(): Struct }).toObject();
}

/**
 * Reads the block header and every vault's `vaultState()` (plus `bands()` and `strategy()` when
 * asked) at one block, in ONE JSON-RPC batch: 1 + n (or 1 + 3n) calls, one HTTP request. A vault
 * whose call fails is reported on its own; the others are still read.
 */
export class VaultReader {
  constructor(
    private readonly rpc: RpcClient,
    private readonly addresses: readonly string[],
  ) {}

  async read(blockNumber: bigint, withParams: boolean): Promise<BlockRead> {
    const tag = toBeHex(blockNumber);
    const requests: RpcRequest[] = [{ method: "eth_getBlockByNumber", params: [tag, false] }];
    for (const to of this.addresses) {
      requests.push({ method: "eth_call", params: [{ to, data: STATE_CALL }, tag] });
      if (withParams) {
        requests.push({ method: "eth_call", params: [{ to, data: BANDS_CALL }, tag] });
        requests.push({ method: "eth_call", params: [{ to, data: STRATEGY_CALL }, tag] });
      }
    }
    const items = await this.rpc.batch(requests);
    const header = items[0];
    if (!header.ok) throw new Error(`block ${blockNumber} header unavailable`, { cause: header.error });
    const raw = header.result as { number: string; timestamp: string; baseFeePerGas?: string } | null;
    if (raw === null) throw new Error(`block ${blockNumber} not found`);
    const block: BlockInfo = {
      number: BigInt(raw.number),
      timestamp: BigInt(raw.timestamp),
      baseFeePerGas: BigInt(raw.baseFeePerGas ?? 0),
    };
    const step = withParams ? 3 : 1;
    const vaults = this.addresses.map((_, i): VaultRead => {
      const at = 1 + i * step;
      try {
        const read: VaultRead = { state: toVaultState(decodeStruct("vaultState", items[at])) };
        if (withParams) {
          read.bands = toBands(decodeStruct("bands", items[at + 1]));
          read.strategy = toStrategy(decodeStruct("strategy", items[at + 2]));
        }
        return read;
      } catch (err) {
        return { error: (err as Error).message };
      }
    });
    return { block, vaults };
  }
}
