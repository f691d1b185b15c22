/**
 * The local walkthrough's operator commands, against a `hardhat node` with the local stack
 * deployed (`npm run deploy:local`): deposit, move or refresh the Chainlink mock feed, trade the
 * Uniswap pool, mine. Uses the node's unlocked accounts. `npm run local -- --help`.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Contract, JsonRpcProvider, MaxUint256, type Signer, formatUnits, parseUnits } from "ethers";
import { contractInterface } from "../../keeper/chain/artifacts.js";
import {
  UNISWAP_ARTIFACTS,
  poolAt,
  poolPriceWad,
  pushPoolToPrice,
  swapExactInputSingle,
} from "../../deploy/lib/uniswap.js";
import type { AddressesFile } from "../../deploy/lib/deployStack.js";
import { bandName, tierName } from "../../keeper/types.js";
import { decodeRevert, describeRevert, revertDataOf } from "../../keeper/chain/revert.js";

const USAGE = `Usage: npm run local -- <command> [args] [options]

Commands:
  show                     feed price and age, pool price, the vault's bands state
  deposit <usdc>           mint test USDC to the account and deposit it into the vault
  price <+p%|-p%|usd>      move the feed (e.g. +15%, -30%, 2500) and trade the pool to it, as an arbitrageur
  refresh                  re-post the feed's answer with a fresh timestamp (it goes stale after its 1 h heartbeat)
  trade <buy|sell> <amt>   buy WETH with <amt> USDC, or sell <amt> WETH, on the pool (moves the pool only)
  mine [blocks]            mine blocks (default 1); with --seconds, advance time first

Options:
  --rpc <url>              node URL (default http://127.0.0.1:8545)
  --addresses <file>       deployment file (default deploy/addresses/localhost.json)
  --account <n>            node account index that acts (default 1; 0 deployed, 3 is the keeper)
  --seconds <s>            mine: seconds to advance before mining
  -h, --help`;

const FEED_DECIMALS = 8;
const WAD_PER_FEED_UNIT = 10n ** 10n;

class UsageError extends Error {}

interface Ctx {
  provider: JsonRpcProvider;
  signer: Signer;
  addresses: AddressesFile;
  vault: Contract;
  feed: Contract;
  usdc: Contract;
  weth: Contract;
}

async function context(rpc: string, file: string, account: number): Promise<Ctx> {
  let addresses: AddressesFile;
  try {
    addresses = JSON.parse(readFileSync(file, "utf8")) as AddressesFile;
  } catch (err) {
    throw new UsageError(`cannot read ${file} (run \`npm run deploy:local\` first): ${(err as Error).message}`);
  }
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
  const signer = await provider.getSigner(account);
  const at = (address: string, name: string) => new Contract(address, contractInterface(name), signer);
  return {
    provider,
    signer,
    addresses,
    vault: at(addresses.vault, "DeltaNeutralVault"),
    feed: at(addresses.oracle, "MockV3Aggregator"),
    usdc: at(addresses.usdc, "TestERC20"),
    weth: at(addresses.weth, "TestERC20"),
  };
}

const usd = (wad: bigint) => `$${Number(formatUnits(wad, 18)).toFixed(2)}`;

async function feedState(c: Ctx): Promise<{ answer: bigint; updatedAt: bigint; now: bigint }> {
  const [, answer, , updatedAt] = (await c.feed.latestRoundData()) as bigint[];
  const block = (await c.provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return { answer, updatedAt, now: BigInt(block.timestamp) };
}

function pair(c: Ctx) {
  return { base: c.addresses.weth, quote: c.addresses.usdc, baseDecimals: 18, quoteDecimals: 6, fee: 500 };
}

async function show(c: Ctx): Promise<void> {
  const f = await feedState(c);
  const pool = poolAt(c.addresses.pool, c.signer);
  const p = { ...pair(c), fee: Number(await pool.fee()) };
  console.log(`feed   ${usd(f.answer * WAD_PER_FEED_UNIT)}, updated ${f.now - f.updatedAt}s ago`);
  console.log(`pool   ${usd(await poolPriceWad(pool, p))}`);
  try {
    const s = await c.vault.vaultState();
    console.log(
      `vault  NAV ${formatUnits(s.totalAssets, 6)} USDC, idle ${s.idleBps} bps, delta ${s.deltaBps} bps, margin ratio ` +
        `${s.marginRatioBps === MaxUint256 ? "none (no short)" : `${s.marginRatioBps} bps`}, breach: ` +
        `${bandName(Number(s.band))} ${tierName(Number(s.tier))}${s.paused ? ", PAUSED" : ""}`,
    );
  } catch (err) {
    const revert = describeRevert(decodeRevert(revertDataOf((err as { data?: unknown }).data)));
    console.log(`vault  vaultState() reverts: ${revert} (a stale feed? try: npm run local -- refresh)`);
  }
}

async function setFeedAndPool(c: Ctx, answer: bigint): Promise<void> {
  await (await c.feed.updateAnswer(answer)).wait();
  const pool = poolAt(c.addresses.pool, c.signer);
  const p = { ...pair(c), fee: Number(await pool.fee()) };
  const router = new Contract(c.addresses.router, UNISWAP_ARTIFACTS.router.abi, c.signer);
  const me = await c.signer.getAddress();
  const pushed = await pushPoolToPrice(c.signer, router, pool, p, answer * WAD_PER_FEED_UNIT, {
    fund: async (token, amount) => {
      const t = token === c.addresses.usdc ? c.usdc : c.weth;
      await (await t.mint(me, amount)).wait();
    },
  });
  console.log(`feed and pool at ${usd(answer * WAD_PER_FEED_UNIT)} (${pushed.swaps} arbitrage swaps)`);
}

async function command(c: Ctx, name: string, args: string[], seconds: number | undefined): Promise<void> {
  const me = await c.signer.getAddress();
  switch (name) {
    case "show":
      return show(c);
    case "deposit": {
      if (args.length !== 1) throw new UsageError("deposit <usdc>, e.g. deposit 10000");
      const amount = parseUnits(args[0], 6);
      await (await c.usdc.mint(me, amount)).wait();
      await (await c.usdc.approve(c.addresses.vault, amount)).wait();
      await (await c.vault.getFunction("deposit(uint256,address)")(amount, me)).wait();
      console.log(`deposited ${args[0]} USDC from ${me}; shares now ${formatUnits(await c.vault.balanceOf(me), 12)}`);
      return show(c);
    }
    case "price": {
      const m = /^([+-]?)(\d+(?:\.\d+)?)(%?)$/.exec(args[0] ?? "");
      if (args.length !== 1 || !m) throw new UsageError("price <+p%|-p%|usd>, e.g. price +15% or price 2500");
      const { answer } = await feedState(c);
      const next = m[3]
        ? (answer * (10_000n + BigInt(m[1] === "-" ? -1 : 1) * BigInt(Math.round(Number(m[2]) * 100)))) / 10_000n
        : parseUnits(m[2], FEED_DECIMALS);
      if (next <= 0n) throw new UsageError(`price must stay positive (got ${next})`);
      await setFeedAndPool(c, next);
      return show(c);
    }
    case "refresh": {
      const { answer } = await feedState(c);
      await (await c.feed.updateAnswer(answer)).wait();
      console.log(`feed re-posted at ${usd(answer * WAD_PER_FEED_UNIT)}`);
      return show(c);
    }
    case "trade": {
      const [side, amt] = args;
      if (args.length !== 2 || !["buy", "sell"].includes(side))
        throw new UsageError("trade <buy|sell> <amount>: buy WETH with USDC, or sell WETH");
      const pool = poolAt(c.addresses.pool, c.signer);
      const router = new Contract(c.addresses.router, UNISWAP_ARTIFACTS.router.abi, c.signer);
      const [tokenIn, tokenOut, amountIn] =
        side === "buy" ? [c.usdc, c.weth, parseUnits(amt, 6)] : [c.weth, c.usdc, parseUnits(amt, 18)];
      await (await tokenIn.mint(me, amountIn)).wait();
      await swapExactInputSingle(c.signer, router, {
        tokenIn: await tokenIn.getAddress(),
        tokenOut: await tokenOut.getAddress(),
        fee: Number(await pool.fee()),
        amountIn,
      });
      console.log(`${side === "buy" ? "bought WETH with" : "sold"} ${amt} ${side === "buy" ? "USDC" : "WETH"}`);
      return show(c);
    }
    case "mine": {
      const blocks = Number(args[0] ?? "1");
      if (!Number.isSafeInteger(blocks) || blocks < 1) throw new UsageError("mine [blocks]: a positive integer");
      if (seconds !== undefined) await c.provider.send("evm_increaseTime", [seconds]);
      await c.provider.send("hardhat_mine", [`0x${blocks.toString(16)}`]);
      console.log(`mined ${blocks} block(s)${seconds !== undefined ? ` after advancing ${seconds}s` : ""}`);
      return show(c);
    }
    default:
      throw new UsageError(`unknown command: ${name}`);
  }
}

async function main(argv: string[]): Promise<number> {
  // "-25%" is a price move, not an option: pass signed numbers on as positionals.
  const signed = (a: string) => /^[+-]\d/.test(a);
  const { values, positionals } = parseArgs({
    args: [...argv.filter((a) => !signed(a)), "--", ...argv.filter(signed)],
    allowPositionals: true,
    options: {
      rpc: { type: "string", default: "http://127.0.0.1:8545" },
      addresses: { type: "string", default: "deploy/addresses/localhost.json" },
      account: { type: "string", default: "1" },
      seconds: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && (!Number.isSafeInteger(seconds) || seconds < 0))
    throw new UsageError("--seconds: a non-negative integer");
  const c = await context(values.rpc, values.addresses, Number(values.account));
  try {
    await command(c, positionals[0], positionals.slice(1), seconds);
  } finally {
    c.provider.destroy();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError;
    process.stderr.write(`local: ${(err as Error).message}${usage ? `\n\n${USAGE}` : ""}\n`);
    process.exit(1);
  },
);
