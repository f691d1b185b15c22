/**
 * Every call the page makes to the vault, its asset and its price feed goes through here, with
 * ABIs from the compiled artifacts. Writes are simulated on the read node first, so a revert is
 * explained before the wallet asks for a signature.
 */
import abis from "virtual:stack-abis";
import {
  Contract,
  ZeroAddress,
  type ContractTransactionResponse,
  type EventLog,
  type JsonRpcProvider,
  type Signer,
} from "ethers";

/** `vaultState()` as a plain object keyed by the ABI's field names (appended fields included). */
export type VaultState = {
  totalAssets: bigint;
  totalSupply: bigint;
  sharePrice: bigint;
  price: bigint;
  spotQty: bigint;
  shortQty: bigint;
  perpEquity: bigint;
  marginRatioBps: bigint;
  deltaBps: bigint;
  idle: bigint;
  idleBps: bigint;
  band: bigint;
  tier: bigint;
  secondsSinceRebalance: bigint;
  nextKeeperRebalanceAt: bigint;
  paused: boolean;
  /** Spot posted as the short's collateral (SpotCollateral mode), counted in spotQty. */
  collateralQty: bigint;
  /** Hedged notional / NAV, bps. */
  deploymentBps: bigint;
} & Record<string, unknown>;

export type Bands = Record<
  | "deltaSoftBps"
  | "deltaHardBps"
  | "minMarginRatioSoftBps"
  | "minMarginRatioHardBps"
  | "maxMarginRatioSoftBps"
  | "maxMarginRatioHardBps"
  | "idleSoftBps"
  | "idleHardBps",
  bigint
>;

export interface VaultMeta {
  name: string;
  /** The spot token's symbol; spot and short sizes are in its whole units (18 decimals). */
  spotSymbol: string;
  shareSymbol: string;
  shareDecimals: number;
  assetSymbol: string;
  assetDecimals: number;
}

export interface Account {
  assetBalance: bigint;
  allowance: bigint;
  shares: bigint;
  /** Each is undefined when the vault cannot price its books (e.g. a stale feed). */
  value?: bigint;
  maxDeposit?: bigint;
  maxWithdraw?: bigint;
}

export interface HistoryPoint {
  block: number;
  timestamp: number;
  /** Assets per whole share, asset units. */
  sharePrice: bigint;
  /** Feed answer, feed decimals. */
  feedAnswer: bigint;
  /** The vault rebalanced in this block. */
  rebalanced: boolean;
}

export interface FeedRound {
  answer: bigint;
  updatedAt: bigint;
  decimals: number;
}

const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

/** A client for the vault at `vaultAddress`; its asset and price feed are the ones the vault names. */
export async function createVaultClient(reader: JsonRpcProvider, vaultAddress: string) {
  const vault = new Contract(vaultAddress, abis.vault as never[], reader);
  const [assetAddress, feedAddress, spotAddress] = (await Promise.all([
    vault.asset(),
    vault.priceFeed(),
    vault.spotToken(),
  ])) as string[];
  const asset = new Contract(assetAddress, abis.token as never[], reader);
  const feed = new Contract(feedAddress, abis.aggregator as never[], reader);
  const spot = new Contract(spotAddress, abis.token as never[], reader);
  const addresses = { vault: vaultAddress, asset: assetAddress, feed: feedAddress };

  async function meta(): Promise<VaultMeta> {
    const [name, shareSymbol, shareDecimals, assetSymbol, assetDecimals, spotSymbol] = await Promise.all([
      vault.name(),
      vault.symbol(),
      vault.decimals(),
      asset.symbol(),
      asset.decimals(),
      spot.symbol(),
    ]);
    return {
      name,
      spotSymbol,
      shareSymbol,
      shareDecimals: Number(shareDecimals),
      assetSymbol,
      assetDecimals: Number(assetDecimals),
    };
  }

  // Every read names its block: the page reads one consistent block at a time, and ethers'
  // short-lived cache of identical requests can never hand back an older block's "latest".
  async function state(at: number): Promise<VaultState> {
    return ((await vault.vaultState({ blockTag: at })) as { toObject(): VaultState }).toObject();
  }

  async function bands(at: number): Promise<Bands> {
    return (await vault.bands({ blockTag: at })).toObject() as Bands;
  }

  /** The per-trade slippage bound the vault's exit previews are charged from (admin-set). */
  async function maxSlippageBps(at: number): Promise<bigint> {
    return (await vault.strategy({ blockTag: at })).maxSlippageBps;
  }

  async function feedRound(at: number): Promise<FeedRound> {
    const [round, decimals] = await Promise.all([
      feed.latestRoundData({ blockTag: at }),
      feed.decimals({ blockTag: at }),
    ]);
    return { answer: round.answer, updatedAt: round.updatedAt, decimals: Number(decimals) };
  }

  async function account(owner: string, at: number): Promise<Account> {
    const tag = { blockTag: at };
    const [assetBalance, allowance, shares, maxDeposit, maxWithdraw] = await Promise.all([
      asset.balanceOf(owner, tag),
      asset.allowance(owner, addresses.vault, tag),
      vault.balanceOf(owner, tag),
      orUndefined<bigint>(vault.maxDeposit(owner, tag)),
      orUndefined<bigint>(vault.maxWithdraw(owner, tag)),
    ]);
    const value = await orUndefined<bigint>(vault.convertToAssets(shares, tag));
    return { assetBalance, allowance, shares, value, maxDeposit, maxWithdraw };
  }

  const view =
    (name: string) =>
    (arg: bigint | string, at: number): Promise<bigint> =>
      vault.getFunction(name).staticCall(arg, { blockTag: at });
  const maxDeposit = (at: number) => view("maxDeposit")(ZeroAddress, at);
  const depositCap = (at: number): Promise<bigint> => vault.depositCap({ blockTag: at });
  const previewDeposit = view("previewDeposit");
  const previewWithdraw = view("previewWithdraw");
  const previewRedeem = view("previewRedeem");
  const convertToAssets = view("convertToAssets");

  /** Share price and feed answer at each block where the vault emitted an event (newest `limit`). */
  async function history(fromBlock: number, toBlock: number, limit = 60): Promise<HistoryPoint[]> {
    const logs = await vault.queryFilter("*", fromBlock, toBlock);
    const wanted = new Set(["Deposit", "Withdraw", "Rebalanced", "Unwound", "EmergencyUnwound"]);
    const events = logs.filter((l) => "eventName" in l && wanted.has(l.eventName)) as EventLog[];
    const rebalancedAt = new Set(events.filter((l) => l.eventName === "Rebalanced").map((l) => l.blockNumber));
    const blocks = [...new Set(events.map((l) => l.blockNumber))].slice(-limit);
    const points = await Promise.all(
      blocks.map(async (block) => {
        try {
          const [s, round, header] = await Promise.all([
            state(block),
            feed.latestRoundData({ blockTag: block }),
            reader.getBlock(block),
          ]);
          return {
            block,
            timestamp: header?.timestamp ?? 0,
            sharePrice: s.sharePrice,
            feedAnswer: round.answer,
            rebalanced: rebalancedAt.has(block),
          };
        } catch {
          return undefined; // the vault could not price itself at that block (stale feed)
        }
      }),
    );
    return points.filter((p): p is HistoryPoint => p !== undefined);
  }

  /** Simulates `method` as the signer on the read node, so a revert is explained before signing. */
  async function send(signer: Signer, target: Contract, method: string, args: unknown[]) {
    const from = await signer.getAddress();
    await target.getFunction(method).staticCall(...args, { from });
    return (await (target.connect(signer) as Contract).getFunction(method)(...args)) as ContractTransactionResponse;
  }

  // The slippage-protected overloads (ERC-5143 style): the vault itself refuses a result outside
  // the user's bound (DepositSharesBelowMin, WithdrawSharesAboveMax, RedeemAssetsBelowMin).
  // ethers needs the full signature to pick an overload.
  return {
    addresses,
    meta,
    state,
    bands,
    maxSlippageBps,
    feedRound,
    account,
    maxDeposit,
    depositCap,
    previewDeposit,
    previewWithdraw,
    previewRedeem,
    convertToAssets,
    history,
    approve: (signer: Signer, amount: bigint) => send(signer, asset, "approve", [addresses.vault, amount]),
    deposit: (signer: Signer, assets: bigint, receiver: string, minShares: bigint) =>
      send(signer, vault, "deposit(uint256,address,uint256)", [assets, receiver, minShares]),
    withdraw: (signer: Signer, assets: bigint, owner: string, maxShares: bigint) =>
      send(signer, vault, "withdraw(uint256,address,address,uint256)", [assets, owner, owner, maxShares]),
    redeem: (signer: Signer, shares: bigint, owner: string, minAssets: bigint) =>
      send(signer, vault, "redeem(uint256,address,address,uint256)", [shares, owner, owner, minAssets]),
  };
}

export type VaultClient = Awaited<ReturnType<typeof createVaultClient>>;
