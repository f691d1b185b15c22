/**
 * The replay's market loop: one step per hour of a price path. Each step moves time, updates the
 * Chainlink feed, lets a liquidator act on the vault's perp account when the market says it may,
 * lets depositors come and go, has an arbitrageur trade the Uniswap pool back to the oracle before
 * anyone trades on it, gives the keeper its block, and books what moved the share price
 * (demo/ledger.ts).
 *
 * Speed without shortcuts in what is measured: transactions go straight to the in-process
 * provider with a fixed gas limit (no estimate, no ethers wrapper), the vault, its perp account,
 * the liquidation check and the pool are read in one Multicall3 call, logs are fetched only for
 * hours in which a block other than the feed update was mined, and the pool is brought to the
 * oracle only in hours where something will trade on it. NAV and every band are priced from the
 * oracle, and a full-range pool's state at a given price does not depend on the path it took
 * there, so a trade meets the same pool either way.
 */
import { Interface, type Log } from "ethers";
import {
  deployVaultStack,
  DEFAULT_PERP_PARAMS,
  type StackConnection,
  type VaultStack,
  type VaultStackOptions,
} from "../deploy/lib/stack/vaultStack.js";
import { priceFromSqrtPriceX96, sortTokens, sqrtPriceX96FromPrice } from "../deploy/lib/uniswap.js";
import { multicallInterface } from "../keeper/chain/abi.js";
import {
  decodeAggregate3,
  encodeAggregate3,
  staticStructDecoder,
  type Call3,
} from "../keeper/chain/multicall-codec.js";
import { toVaultState } from "../keeper/chain/reader.js";
import { Tier, type VaultState } from "../keeper/types.js";
import type { Eip1193 } from "./inProcessRpc.js";
import type { KeeperDriver } from "./inProcessKeeper.js";
import {
  Ledger,
  NO_EVENTS,
  NO_ORDERS,
  perpCost,
  perpShortfall,
  type Checkpoint,
  type PerpAccount,
  type OrderStats,
  type SegmentEvents,
  type SegmentKind,
} from "./ledger.js";

export type { OrderStats };
import { toFeedAnswer } from "./pricePath.js";

export interface Sample {
  hour: number;
  price: number;
  /** Assets per whole share, as vaultState() reports it (USDC). */
  sharePrice: number;
  deltaBps: number;
  marginRatioBps: number;
  totalAssets: bigint;
  /** Short notional at the oracle price, asset units. */
  hedgedNotional: bigint;
  /** Hedged notional / NAV as the vault reports it (vaultState().deploymentBps), bps. */
  deploymentBps: number;
  /** Spot posted at the venue as the short's collateral (counted in spotQty), size units. */
  collateralQty: bigint;
}

export interface RebalanceRecord {
  hour: number;
  band: number;
  tier: number;
  /** totalAssets after minus before, at the oracle price (signed: a gain is positive). */
  navChange: bigint;
  /** Spot fills against the oracle (pool fee and slippage), asset units, signed. */
  spotCost: bigint;
  /** Perp taker fee plus fill against the oracle, asset units, signed. */
  perpFeesAndImpact: bigint;
  /** Funding settled into margin by the rebalance's trades. */
  settledFunding: bigint;
  gasUsed: bigint;
  /** gasUsed x effective gas price, valued in asset units at the oracle price (ETH is the gas token). */
  gasCostUsdc: bigint;
}

/** Wall time of the loop's phases, ms (the bench prints it with --profile). */
export type PhaseTimes = Record<"feed" | "read" | "liquidator" | "arbitrage" | "flows" | "keeper" | "events", number>;

export interface SimulationResult {
  samples: Sample[];
  rebalances: RebalanceRecord[];
  liquidations: number;
  /** Depositors entering and leaving while positions are open. */
  /** `redeemsCapped`: redeems cut to what the vault could pay then (maxRedeem). */
  flows: { deposits: number; redeems: number; redeemFailures: number; redeemsCapped: number };
  ledger: Ledger;
  depositedUsdc: bigint;
  startShareValue: bigint;
  endShareValue: bigint;
  /** Arbitrage swaps sent, and hours in which the pool was within tolerance or nobody traded. */
  arbitrage: { swaps: number; skippedHours: number };
  profile: PhaseTimes;
  /** Block time of hour 0, unix seconds (hour h is h x 3,600 s later). */
  startTime: number;
  /** The vault's venue orders on a delayed market (all zero on a synchronous one). */
  orders: OrderStats;
}

/** Perp market of the demo: funding strong enough to show in a month (see the README). */
export const DEMO_PERP_PARAMS = {
  ...DEFAULT_PERP_PARAMS,
  maxFundingRatePerDay: 5n * 10n ** 16n, // 5% a day at a skew of skewScale
};
/** Long open interest a trader holds so that longs pay the vault's short: 0.5% of skewScale. */
export const DEMO_LONG_SIZE = 5_000n * 10n ** 18n;

const USDC = 10n ** 6n;
const VALUE_SCALE = 10n ** 30n;
/** Gas limit of the loop's own transactions: fixed, so the chain does not estimate each one. */
const GAS = "0x4c4b40"; // 5,000,000
/** The arbitrageur leaves the pool alone within 5 bps of the oracle. */
const ARB_TOLERANCE_BPS = 5n;
/** Whatever the arbitrageur offers, the swap's price limit stops it at the oracle price. */
const ARB_MAX_IN = 10n ** 36n;

export async function deployDemoStack(
  connection: StackConnection,
  options: VaultStackOptions = {},
): Promise<VaultStack> {
  // Hourly steps: the market's oracle-edge rule stays on, as deployed.
  return deployVaultStack(connection, { perpParams: DEMO_PERP_PARAMS, keepOracleEdgeGuard: true, ...options });
}

/** Depositors enter, a trader skews the market long, and the first rebalance deploys the cash. */
export async function seedDemo(s: VaultStack, depositors: number, eachUsdc: bigint): Promise<bigint> {
  let total = 0n;
  for (const user of s.users.slice(0, depositors)) {
    const amount = eachUsdc + BigInt(s.users.indexOf(user)) * 10_000n * USDC;
    await s.fund(user, amount);
    await (await s.vault.connect(user)["deposit(uint256,address)"](amount, user.address)).wait();
    total += amount;
  }
  const trader = s.users[depositors];
  const margin = 30_000_000n * USDC;
  const market = await s.market.getAddress();
  await (await s.usdc.mint(trader.address, margin)).wait();
  await (await s.usdc.connect(trader).approve(market, margin)).wait();
  await (await s.market.connect(trader).depositMargin(margin)).wait();
  if (s.orderBook) {
    // A delayed market takes orders at its book: the long fills at the next feed round.
    const fee = await s.orderBook.executionFee();
    await (await s.usdc.mint(trader.address, fee)).wait();
    await (await s.usdc.connect(trader).approve(await s.orderBook.getAddress(), fee)).wait();
    await (await s.orderBook.connect(trader).submitOrder(DEMO_LONG_SIZE, 2n ** 255n - 1n)).wait();
    const provider = s.admin.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    await provider.send("evm_increaseTime", [Number(await s.orderBook.minDelay())]);
    const [, answer] = await s.oracle.latestRoundData();
    await (await s.oracle.updateAnswer(answer)).wait();
    await (await s.orderBook.connect(trader).executeOrder(trader.address)).wait();
  } else await (await s.market.connect(trader).modifyPosition(DEMO_LONG_SIZE, 2n ** 255n - 1n)).wait();
  return total;
}

/**
 * Depositors keep coming and going while positions are open: every fifth day a new depositor
 * brings $100k (the idle band deploys it) and, half a cycle later, an early depositor redeems a
 * quarter of their shares (paid from idle, or by a pro-rata unwind).
 */
const FLOW_CYCLE_HOURS = 120;
const isFlowHour = (hour: number) => hour > 0 && hour % (FLOW_CYCLE_HOURS / 2) === 0;
const NEW_DEPOSIT = 100_000n * USDC;

interface Receipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
  effectiveGasPrice?: string;
}

/** Raw JSON-RPC on the in-process provider: what the loop sends and reads. */
class Chain {
  constructor(readonly provider: Eip1193) {}

  request<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.provider.request({ method, params }) as Promise<T>;
  }

  /** Sends from an unlocked account and returns the receipt; throws if it reverted. */
  async send(from: string, to: string, data: string): Promise<Receipt> {
    const hash = await this.request<string>("eth_sendTransaction", [{ from, to, data, gas: GAS }]);
    const receipt = await this.request<Receipt>("eth_getTransactionReceipt", [hash]);
    if (BigInt(receipt.status) !== 1n) throw new Error(`transaction ${hash} reverted`);
    return receipt;
  }

  call(to: string, data: string): Promise<string> {
    return this.request<string>("eth_call", [{ to, data }, "latest"]);
  }

  async head(): Promise<bigint> {
    return BigInt(await this.request<string>("eth_blockNumber"));
  }
}

interface Reading {
  state: VaultState;
  checkpoint: Checkpoint;
  liquidatable: boolean;
  poolPriceWad: bigint;
}

export async function simulate(
  provider: Eip1193,
  s: VaultStack,
  prices: number[],
  keeper: KeeperDriver,
  depositedUsdc: bigint,
  multicall3: string,
  onProgress?: (hour: number) => void,
): Promise<SimulationResult> {
  const chain = new Chain(provider);
  const a = {
    vault: await s.vault.getAddress(),
    adapter: await s.perpVenue.getAddress(),
    market: await s.market.getAddress(),
    venue: s.addresses.venue,
    pool: s.addresses.pool,
    router: s.addresses.router,
    oracle: s.addresses.oracle,
    usdc: s.addresses.usdc,
    weth: s.addresses.weth,
    book: s.orderBook ? await s.orderBook.getAddress() : undefined,
  };
  const vaultIface = s.vault.interface as unknown as Interface;
  const marketIface = s.market.interface as unknown as Interface;
  const adapterIface = s.perpVenue.interface as unknown as Interface;
  const venueIface = s.venue.interface as unknown as Interface;
  const poolIface = s.pool.interface;
  const routerIface = s.uniswap.router.interface;
  const tokenIface = s.usdc.interface as unknown as Interface;
  const oracleIface = s.oracle.interface as unknown as Interface;
  const bookIface = s.orderBook?.interface as unknown as Interface | undefined;
  const liquidator = s.users[s.users.length - 1].address;
  const arbitrageur = s.admin.address;
  const [token0, token1] = sortTokens(s.pair.base, s.pair.quote);

  // The arbitrageur holds more of both tokens than any move needs and has approved the router;
  // later depositors hold their cash and have approved the vault.
  for (const token of [a.usdc, a.weth]) {
    await chain.send(arbitrageur, token, tokenIface.encodeFunctionData("mint", [arbitrageur, ARB_MAX_IN]));
    await chain.send(arbitrageur, token, tokenIface.encodeFunctionData("approve", [a.router, ARB_MAX_IN]));
  }
  for (const user of s.users.slice(0, 12)) {
    await chain.send(arbitrageur, a.usdc, tokenIface.encodeFunctionData("mint", [user.address, 10n ** 18n]));
    await chain.send(user.address, a.usdc, tokenIface.encodeFunctionData("approve", [a.vault, 2n ** 256n - 1n]));
  }

  const reads: Call3[] = [
    { target: a.vault, allowFailure: false, callData: vaultIface.encodeFunctionData("vaultState") },
    { target: a.adapter, allowFailure: false, callData: adapterIface.encodeFunctionData("position") },
    { target: a.market, allowFailure: false, callData: marketIface.encodeFunctionData("isLiquidatable", [a.adapter]) },
    { target: a.pool, allowFailure: false, callData: poolIface.encodeFunctionData("slot0") },
  ];
  // vaultState() is a static struct: the keeper's word-by-word decoder, checked against ethers in its tests.
  const fastDecoder = staticStructDecoder(vaultIface.getFunction("vaultState")!);
  const decodeVaultState = (data: string): Record<string, unknown> =>
    fastDecoder
      ? fastDecoder(data)
      : (vaultIface.decodeFunctionResult("vaultState", data)[0] as { toObject(): Record<string, unknown> }).toObject();
  const readData = encodeAggregate3(multicallInterface.getFunction("aggregate3")!.selector, reads);
  const read = async (priceWad: bigint): Promise<Reading> => {
    const [vs, pos, liq, slot0] = decodeAggregate3(await chain.call(multicall3, readData)).map((r) => r.returnData);
    const state = toVaultState(decodeVaultState(vs));
    const position = adapterIface.decodeFunctionResult("position", pos)[0];
    const sqrtPriceX96 = BigInt(poolIface.decodeFunctionResult("slot0", slot0)[0]);
    return {
      state,
      liquidatable: Boolean(marketIface.decodeFunctionResult("isLiquidatable", liq)[0]),
      poolPriceWad: priceFromSqrtPriceX96(
        sqrtPriceX96,
        s.pair.base,
        s.pair.quote,
        s.pair.baseDecimals,
        s.pair.quoteDecimals,
      ),
      checkpoint: {
        totalAssets: state.totalAssets,
        totalSupply: state.totalSupply,
        spotQty: state.spotQty,
        shortQty: state.shortQty,
        accruedFunding: BigInt(position.accruedFunding),
        priceWad,
        perpShortfall: perpShortfall(position as PerpAccount, priceWad),
      },
    };
  };

  /** Sorts the logs of blocks (from, to] into the ledger's event totals. */
  const eventsOf = async (from: bigint, to: bigint, priceWad: bigint) => {
    const logs = await chain.request<Log[]>("eth_getLogs", [
      {
        fromBlock: `0x${from.toString(16)}`,
        toBlock: `0x${to.toString(16)}`,
        address: [a.vault, a.market, a.venue, ...(a.book ? [a.book] : [])],
      },
    ]);
    const ev: SegmentEvents = { ...NO_EVENTS };
    const rebalanced: { log: Log; band: number; tier: number; before: bigint; after: bigint }[] = [];
    let liquidations = 0;
    let submittedRound = false;
    const isVaultAccount = (account: string) => account.toLowerCase() === a.adapter.toLowerCase();
    for (const log of logs) {
      const address = log.address.toLowerCase();
      const iface =
        address === a.vault.toLowerCase()
          ? vaultIface
          : address === a.market.toLowerCase()
            ? marketIface
            : address === a.book?.toLowerCase()
              ? bookIface!
              : venueIface;
      const parsed = iface.parseLog(log);
      if (!parsed) continue;
      const x = parsed.args;
      switch (parsed.name) {
        case "RoundSubmitted":
          submittedRound = true;
          roundPending = true;
          break;
        case "RoundSettled":
          roundPending = false;
          break;
        case "OrderSubmitted":
          if (!isVaultAccount(x.account)) break;
          ev.perpOrderFee += x.executionFee;
          orders.submitted++;
          orderSubmittedAt = await blockTime(log.blockNumber);
          break;
        case "OrderExecuted": {
          if (!isVaultAccount(x.account)) break;
          orders.executed++;
          const wait = (await blockTime(log.blockNumber)) - orderSubmittedAt;
          orders.waitSecondsTotal += wait;
          orders.waitSecondsMax = Math.max(orders.waitSecondsMax, wait);
          break;
        }
        case "OrderCancelled":
          if (!isVaultAccount(x.account)) break;
          // Expired: the fee comes back to the vault. Out of bounds: the executor keeps it.
          if (Number(x.reason) === 0) {
            orders.expired++;
            ev.perpOrderFee -= x.executionFee;
          } else orders.cancelledOutOfBounds++;
          break;
        case "Deposit":
          ev.flowAssets += x.assets;
          ev.flowShares += x.shares;
          break;
        case "Withdraw":
          ev.flowAssets -= x.assets;
          ev.flowShares -= x.shares;
          break;
        case "FeesAccrued":
          ev.feeShares += x.managementShares + x.performanceShares;
          break;
        case "Rebalanced":
          rebalanced.push({
            log,
            band: Number(x.band),
            tier: Number(x.tier),
            before: x.totalAssetsBefore,
            after: x.totalAssetsAfter,
          });
          break;
        case "Swapped":
          if (x.recipient.toLowerCase() !== a.vault.toLowerCase()) break;
          {
            const buy = x.tokenIn.toLowerCase() === a.usdc.toLowerCase();
            const spotValue = ((buy ? x.amountOut : x.amountIn) * priceWad) / VALUE_SCALE;
            ev.spotCost += buy ? x.amountIn - spotValue : spotValue - x.amountOut;
            ev.spotVolume += spotValue;
          }
          break;
        case "PositionModified":
          if (x.account.toLowerCase() !== a.adapter.toLowerCase()) break;
          ev.perpFee += x.fee;
          ev.perpImpact += (x.sizeDelta * (BigInt(x.fillPrice) - priceWad)) / VALUE_SCALE;
          ev.perpVolume += ((x.sizeDelta < 0n ? -x.sizeDelta : x.sizeDelta) * priceWad) / VALUE_SCALE;
          break;
        case "OracleEdgeCharged":
          // The venue's charge on exposure grown just before a feed update: a trading cost.
          if (x.account.toLowerCase() === a.adapter.toLowerCase()) ev.perpEdgeCharge += x.amount;
          break;
        case "ProfitReduced":
          // A profit the venue's pool could not pay in full: the unpaid part is lost.
          if (x.account.toLowerCase() === a.adapter.toLowerCase()) {
            ev.perpUnpaidProfit += BigInt(x.owed) - BigInt(x.paid);
          }
          break;
        // The one report of settled funding: trades, withdrawals and liquidations.
        case "FundingSettled":
          if (x.account.toLowerCase() === a.adapter.toLowerCase()) ev.settledFunding += x.funding;
          break;
        case "Liquidated":
          if (x.account.toLowerCase() !== a.adapter.toLowerCase()) break;
          liquidations++;
          ev.liquidationReward += x.reward;
          break;
        case "CollateralLiquidated":
          // The liquidator's reward taken from the posted spot, at the oracle (the seized part
          // repays the debt at the same price: no change of value).
          if (x.account.toLowerCase() === a.adapter.toLowerCase())
            ev.liquidationReward += (BigInt(x.rewardQty) * BigInt(x.price)) / VALUE_SCALE;
          break;
      }
    }
    return { ev, rebalanced, liquidations, submittedRound };
  };

  const orders: OrderStats = { ...NO_ORDERS };
  let orderSubmittedAt = 0;
  let roundPending = false;
  const blockTime = async (blockNumber: number | string) =>
    Number(
      (
        await chain.request<{ timestamp: string }>("eth_getBlockByNumber", [
          `0x${BigInt(blockNumber).toString(16)}`,
          false,
        ])
      ).timestamp,
    );

  const samples: Sample[] = [];
  const rebalances: RebalanceRecord[] = [];
  const flows = { deposits: 0, redeems: 0, redeemFailures: 0, redeemsCapped: 0 };
  const arbitrage = { swaps: 0, skippedHours: 0 };
  const profile: PhaseTimes = { feed: 0, read: 0, liquidator: 0, arbitrage: 0, flows: 0, keeper: 0, events: 0 };
  let liquidations = 0;
  let clock = performance.now();
  const lap = (phase: keyof PhaseTimes) => {
    const now = performance.now();
    profile[phase] += now - clock;
    clock = now;
  };

  const firstWad = toFeedAnswer(prices[0]) * 10n ** 10n;
  let reading = await read(firstWad);
  // The share price before any trade is the baseline (deposits are idle until hour 0's rebalance).
  const startShareValue = reading.state.sharePrice;
  const ledger = new Ledger(reading.checkpoint);
  /** Books a segment; one that began with a round pending adds its price move on the gap to the delay. */
  const book = (kind: SegmentKind, next: Checkpoint, ev?: SegmentEvents, pendingBefore = roundPending) => {
    const parts = ledger.record(kind, next, ev);
    if (pendingBefore) orders.delayPriceMove += parts.priceOnDelta;
  };
  // Costs of a round's first phase, carried to the Rebalanced its settle emits.
  let firstPhase = { spotCost: 0n, perpCost: 0n, settledFunding: 0n };
  const startTime = BigInt(
    (await chain.request<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp,
  );
  let processed = await chain.head();
  clock = performance.now();

  const bringPoolToOracle = async (targetWad: bigint) => {
    const gap = reading.poolPriceWad > targetWad ? reading.poolPriceWad - targetWad : targetWad - reading.poolPriceWad;
    if (gap * 10_000n <= targetWad * ARB_TOLERANCE_BPS) return;
    const limit = sqrtPriceX96FromPrice(
      targetWad,
      s.pair.base,
      s.pair.quote,
      s.pair.baseDecimals,
      s.pair.quoteDecimals,
    );
    const current = sqrtPriceX96FromPrice(
      reading.poolPriceWad,
      s.pair.base,
      s.pair.quote,
      s.pair.baseDecimals,
      s.pair.quoteDecimals,
    );
    const zeroForOne = limit < current;
    const swap = routerIface.encodeFunctionData("exactInputSingle", [
      {
        tokenIn: zeroForOne ? token0 : token1,
        tokenOut: zeroForOne ? token1 : token0,
        fee: s.pair.fee,
        recipient: arbitrageur,
        deadline: 2n ** 256n - 1n,
        amountIn: ARB_MAX_IN / 10n,
        amountOutMinimum: 0n,
        sqrtPriceLimitX96: limit,
      },
    ]);
    await chain.send(arbitrageur, a.router, swap);
    arbitrage.swaps++;
    processed = await chain.head(); // the pool's own events are not the vault's
    reading = { ...reading, poolPriceWad: targetWad };
  };

  const edgeWindow = await s.market.oracleEdgeWindow();
  for (let hour = 0; hour < prices.length; hour++) {
    const answer = toFeedAnswer(prices[hour]);
    const priceWad = answer * 10n ** 10n;
    if (hour > 0)
      await chain.request("evm_setNextBlockTimestamp", [`0x${(startTime + BigInt(hour) * 3_600n).toString(16)}`]);
    await chain.send(arbitrageur, a.oracle, oracleIface.encodeFunctionData("updateAnswer", [answer]));
    // Everyone acts once the round's oracle-edge window has passed: inside it the market fills at
    // the worse of this hour's and the last hour's answer (the keeper waits it out too: `edgeWaitSeconds`).
    if (edgeWindow > 0n) {
      await chain.request("evm_increaseTime", [Number(edgeWindow)]);
      await chain.request("evm_mine");
    }
    processed = await chain.head();
    lap("feed");
    reading = await read(priceWad);
    book("market", reading.checkpoint);
    lap("read");

    // A liquidator watches the vault's perp account every hour.
    if (reading.liquidatable) {
      await chain.send(liquidator, a.market, marketIface.encodeFunctionData("liquidate", [a.adapter]));
      const head = await chain.head();
      const pendingBefore = roundPending;
      const { ev, liquidations: n } = await eventsOf(processed + 1n, head, priceWad);
      liquidations += n;
      processed = head;
      reading = await read(priceWad);
      book("liquidation", reading.checkpoint, ev, pendingBefore);
      lap("liquidator");
    }

    if (isFlowHour(hour)) {
      // An unwinding redeem trades on the pool.
      await bringPoolToOracle(priceWad);
      lap("arbitrage");
      if (hour % FLOW_CYCLE_HOURS !== 0) {
        const user = s.users[8 + (Math.floor(hour / FLOW_CYCLE_HOURS) % 4)].address;
        await chain.send(user, a.vault, vaultIface.encodeFunctionData("deposit(uint256,address)", [NEW_DEPOSIT, user]));
        flows.deposits++;
      } else {
        const user = s.users[(hour / FLOW_CYCLE_HOURS) % 5].address;
        const balance = BigInt(await chain.call(a.vault, vaultIface.encodeFunctionData("balanceOf", [user])));
        // A wallet asks for what the vault can pay now (on a delayed venue, exits are paid from idle).
        const max = BigInt(await chain.call(a.vault, vaultIface.encodeFunctionData("maxRedeem", [user])));
        const shares = balance / 4n < max ? balance / 4n : max;
        if (shares < balance / 4n) flows.redeemsCapped++;
        if (shares > 0n) {
          try {
            const redeem = vaultIface.encodeFunctionData("redeem(uint256,address,address)", [shares, user, user]);
            await chain.send(user, a.vault, redeem);
            flows.redeems++;
          } catch {
            flows.redeemFailures++;
          }
        }
      }
      const head = await chain.head();
      if (head > processed) {
        const pendingBefore = roundPending;
        const { ev } = await eventsOf(processed + 1n, head, priceWad);
        processed = head;
        reading = await read(priceWad);
        book("flows", reading.checkpoint, ev, pendingBefore);
      }
      lap("flows");
    }

    // The keeper trades on the pool when a band is breached (the vault reverts WithinBands
    // otherwise) or when it settles a pending round, whose second phase trades the spot: a book
    // back inside its bands while the order waited must not meet a pool left at the hour the round
    // was submitted (its fill against the oracle would book that hour's price move as spot trading).
    if (reading.state.tier !== Tier.None || roundPending) await bringPoolToOracle(priceWad);
    else arbitrage.skippedHours++;
    lap("arbitrage");
    await keeper.step();
    // On a delayed market the keeper executes the vault's due order, settles its round and may
    // start the next: it gets a block for each while it acts (at most three an hour).
    for (let extra = 0; a.book && extra < 2; extra++) {
      const before = await chain.head();
      await keeper.step();
      if ((await chain.head()) === before) break;
    }
    lap("keeper");

    const head = await chain.head();
    if (head > processed) {
      const pendingBefore = roundPending;
      const { ev, rebalanced, submittedRound } = await eventsOf(processed + 1n, head, priceWad);
      processed = head;
      reading = await read(priceWad);
      book("rebalance", reading.checkpoint, ev, pendingBefore);
      if (submittedRound && rebalanced.length === 0) {
        // A round's first phase: its costs go with the Rebalanced its settle emits.
        firstPhase = { spotCost: ev.spotCost, perpCost: perpCost(ev), settledFunding: ev.settledFunding };
      }
      // The segment's trades are read from its events together: the first rebalance of the
      // segment carries their cost (there is one a segment unless the keeper acted twice), with
      // the first phase's of a round settled here.
      for (const [i, r] of rebalanced.entries()) {
        const receipt = await chain.request<Receipt>("eth_getTransactionReceipt", [r.log.transactionHash]);
        const gasUsed = BigInt(receipt.gasUsed);
        rebalances.push({
          hour,
          band: r.band,
          tier: r.tier,
          navChange: r.after - r.before,
          spotCost: i === 0 ? ev.spotCost + firstPhase.spotCost : 0n,
          perpFeesAndImpact: i === 0 ? perpCost(ev) + firstPhase.perpCost : 0n,
          settledFunding: i === 0 ? ev.settledFunding + firstPhase.settledFunding : 0n,
          gasUsed,
          gasCostUsdc: (gasUsed * BigInt(receipt.effectiveGasPrice ?? 0) * priceWad) / VALUE_SCALE,
        });
      }
      if (rebalanced.length > 0) firstPhase = { spotCost: 0n, perpCost: 0n, settledFunding: 0n };
      lap("events");
    }

    const st = reading.state;
    samples.push({
      hour,
      price: prices[hour],
      sharePrice: Number(st.sharePrice) / 1e6,
      deltaBps: Number(st.deltaBps),
      marginRatioBps: st.marginRatioBps > 10n ** 9n ? Number.NaN : Number(st.marginRatioBps),
      totalAssets: st.totalAssets,
      hedgedNotional: (st.shortQty * priceWad) / VALUE_SCALE,
      deploymentBps: Number(st.deploymentBps),
      collateralQty: st.collateralQty,
    });
    onProgress?.(hour);
  }
  await keeper.stop();
  return {
    samples,
    rebalances,
    flows,
    liquidations,
    ledger,
    depositedUsdc,
    startShareValue,
    endShareValue: reading.state.sharePrice,
    arbitrage,
    profile,
    startTime: Number(startTime),
    orders,
  };
}

/**
 * The floor of an hour: move time, update the feed (which mines a block), nothing else. Runs
 * `hours` of it on the given stack and rolls the chain back; returns simulated hours a second.
 */
export async function floorRate(provider: Eip1193, s: VaultStack, startPrice: number, hours: number): Promise<number> {
  const chain = new Chain(provider);
  const snapshot = await chain.request<string>("evm_snapshot");
  const oracleIface = s.oracle.interface as unknown as Interface;
  const from = s.admin.address;
  const start = BigInt(
    (await chain.request<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp,
  );
  const began = performance.now();
  for (let hour = 1; hour <= hours; hour++) {
    await chain.request("evm_setNextBlockTimestamp", [`0x${(start + BigInt(hour) * 3_600n).toString(16)}`]);
    const answer = toFeedAnswer(startPrice * (1 + 0.001 * Math.sin(hour)));
    await chain.send(from, s.addresses.oracle, oracleIface.encodeFunctionData("updateAnswer", [answer]));
  }
  const rate = hours / ((performance.now() - began) / 1_000);
  await chain.request("evm_revert", [snapshot]);
  return rate;
}
