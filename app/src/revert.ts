/**
 * Turns a failed call into a sentence a depositor can act on. Selectors come from the compiled
 * ABIs of every contract in the stack (`createRevertDecoder`); the table below only words them.
 * Error(string) and Panic(uint256) are decoded too. No DOM: the tests run this in Node.
 */
import { AbiCoder, ErrorFragment, Interface, dataSlice, isHexString, type InterfaceAbi, type Result } from "ethers";

const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** Solidity panic codes (Solidity docs, "Panic via assert and Error via require"). */
const PANICS: Record<number, string> = {
  0x01: "an internal assertion failed",
  0x11: "an amount overflowed or underflowed",
  0x12: "a division by zero",
  0x21: "an invalid enum value",
  0x32: "an array index out of bounds",
  0x41: "out of memory",
};

export interface Units {
  /** Formats an amount of the vault's asset, e.g. "1,000.00 USDC". */
  assets(v: bigint): string;
  /** Formats an amount of vault shares. */
  shares(v: bigint): string;
  /** Formats a timestamp (seconds) relative to now. */
  ago(timestamp: bigint): string;
}

type Sentence = (a: Result, u: Units) => string;

/** Plain sentences for the errors a depositor can meet, by error name. */
const SENTENCES: Record<string, Sentence> = {
  // Slippage-protected entry points (IDeltaNeutralVault).
  DepositSharesBelowMin: (a, u) =>
    `The deposit would give ${u.shares(a.shares)}, less than the minimum you accepted (${u.shares(a.minShares)}). The vault's price moved: check the new preview and try again.`,
  MintAssetsAboveMax: (a, u) =>
    `Minting would cost ${u.assets(a.assets)}, more than the maximum you accepted (${u.assets(a.maxAssets)}).`,
  WithdrawSharesAboveMax: (a, u) =>
    `The withdrawal would burn ${u.shares(a.shares)}, more than the maximum you accepted (${u.shares(a.maxShares)}). The exit got more expensive: check the new preview.`,
  RedeemAssetsBelowMin: (a, u) =>
    `The redemption would pay ${u.assets(a.assets)}, less than the minimum you accepted (${u.assets(a.minAssets)}). The exit got more expensive: check the new preview.`,
  // OpenZeppelin ERC-4626 / ERC-20 / Pausable.
  ERC4626ExceededMaxDeposit: (a, u) =>
    a.max === 0n
      ? "The vault takes no deposits now (paused or its deposit cap is reached)."
      : `The vault takes at most ${u.assets(a.max)} more before its deposit cap; you asked for ${u.assets(a.assets)}.`,
  ERC4626ExceededMaxMint: (a, u) => `The vault can mint at most ${u.shares(a.max)} more now.`,
  ERC4626ExceededMaxWithdraw: (a, u) =>
    `You can withdraw at most ${u.assets(a.max)} now (your shares' value after the worst-case exit cost); you asked for ${u.assets(a.assets)}.`,
  ERC4626ExceededMaxRedeem: (a, u) => `You hold ${u.shares(a.max)}; you asked to redeem ${u.shares(a.shares)}.`,
  ERC20InsufficientBalance: (a) =>
    `The token balance is too small for this transfer (has ${a.balance}, needs ${a.needed} base units).`,
  ERC20InsufficientAllowance: () => "The vault is not approved to move this much of your asset: approve first.",
  EnforcedPause: () =>
    "The vault is paused by its guardian: deposits and rebalances are stopped. Withdrawals still work.",
  SafeERC20FailedOperation: () => "A token transfer failed.",
  ReentrancyGuardReentrantCall: () => "The call re-entered the vault and was refused.",
  // Oracle (OracleLib, raised by the vault and the perp market).
  OracleStalePrice: (a, u) =>
    `The price feed is stale (last update ${u.ago(a.updatedAt)}, it must update every ${Number(a.heartbeat) / 60} min): the vault cannot value its positions, so deposits and withdrawals wait until the feed updates.`,
  OracleNonPositivePrice: () => "The price feed reports a non-positive price: the vault refuses to use it.",
  OracleIncompleteRound: () => "The price feed's latest round is incomplete: the vault waits for a complete one.",
  SequencerDown: () => "The network's sequencer is down: prices cannot be trusted until it is back.",
  SequencerGracePeriodNotOver: () =>
    "The network's sequencer has just restarted: the vault waits out the grace period before using prices.",
  // Vault flows.
  CostTooHigh: (a, u) =>
    `The trades for this deposit or withdrawal would cost more than their bound (${u.assets((a.totalAssetsBefore as bigint) - (a.totalAssetsAfter as bigint))} against at most ${u.assets(a.maxLoss)}). Deposit or withdraw less (a withdrawal up to what idle holds), or try later.`,
  SpotOutputTooLow: () =>
    "The spot trade for this deposit or withdrawal would fill worse than the oracle price allows (the pool is off the oracle). Use a smaller amount or try later.",
  VenueOrderPending: () => "The perp venue has an order waiting for execution: try again after it settles.",
  // Venues.
  InsufficientOutput: () => "A swap would receive less than its oracle-bounded minimum.",
  FillPriceOutOfBounds: () => "The perp trade would fill outside its oracle-bounded price.",
  InsufficientMargin: () => "The perp account would not keep enough margin for this.",
  WithdrawalBelowInitialMargin: () =>
    "The perp venue refuses to release margin below its initial margin: the unwind cannot free enough now. Withdraw up to what idle holds, or wait for a rebalance.",
  OpenInterestCapExceeded: () => "The perp market's open-interest cap is reached.",
  PoolDeficit: () => "The perp market's pool cannot pay out right now.",
  ZeroAmount: () => "The amount is zero.",
};

export interface DecodedRevert {
  /** Error name ("Error" and "Panic" for the built-ins), or undefined when nothing matched. */
  name?: string;
  sentence: string;
}

/** Finds revert data in an error thrown by ethers or an EIP-1193 wallet (often nested). */
export function revertDataOf(err: unknown, depth = 0): string | undefined {
  if (depth > 6 || err === null || typeof err !== "object") return undefined;
  const e = err as Record<string, unknown>;
  const direct = e.data;
  if (typeof direct === "string" && isHexString(direct) && direct.length >= 10) return direct;
  for (const key of ["data", "error", "info", "cause", "originalError"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Builds a decoder knowing every custom error of the given ABIs (one per selector). */
export function createRevertDecoder(abis: readonly InterfaceAbi[], units: Units) {
  const seen = new Map<string, ErrorFragment>();
  for (const abi of abis)
    for (const f of new Interface(abi).fragments)
      if (f instanceof ErrorFragment && !seen.has(f.selector)) seen.set(f.selector, f);
  const errors = new Interface([...seen.values()]);

  function decodeData(data: string): DecodedRevert {
    const selector = dataSlice(data, 0, 4);
    try {
      if (selector === ERROR_STRING) {
        const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4));
        return { name: "Error", sentence: `The contract refused: ${reason}.` };
      }
      if (selector === PANIC) {
        const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4));
        const what = PANICS[Number(code)] ?? `panic code 0x${(code as bigint).toString(16)}`;
        return { name: "Panic", sentence: `The contract stopped on ${what}.` };
      }
      const parsed = errors.parseError(data);
      if (parsed) {
        const words = SENTENCES[parsed.name];
        return {
          name: parsed.name,
          sentence: words ? words(parsed.args, units) : `The contract refused with ${parsed.signature}.`,
        };
      }
    } catch {
      // Arguments that do not decode: fall through to the unknown case.
    }
    return { sentence: `The contract refused with an unknown error (${selector}).` };
  }

  /** A sentence for anything a call or a wallet threw. */
  function explain(err: unknown): DecodedRevert {
    const e = err as {
      code?: unknown;
      message?: unknown;
      shortMessage?: unknown;
      info?: { error?: { code?: unknown } };
    };
    if (e?.code === 4001 || e?.code === "ACTION_REJECTED" || e?.info?.error?.code === 4001)
      return { name: "UserRejected", sentence: "You rejected the request in your wallet." };
    const data = revertDataOf(err);
    if (data) return decodeData(data);
    // ethers wraps a wallet error it cannot classify ("could not coalesce error"): the wallet's
    // own message, kept under `error`, says more.
    const inner = (err as { error?: { message?: unknown } })?.error?.message;
    const message = String(inner ?? e?.shortMessage ?? e?.message ?? err);
    return { sentence: message.length > 300 ? `${message.slice(0, 300)}…` : message };
  }

  return { decodeData, explain };
}

export type RevertDecoder = ReturnType<typeof createRevertDecoder>;

/** The error names the table words (a test checks each is an error of the stack's ABIs). */
export const WORDED_ERRORS: readonly string[] = Object.keys(SENTENCES);
