/**
 * The deposit and withdraw forms. Every input is checked before anything is signed (empty, zero,
 * not a number, too many decimals, above the balance or the vault's `max*`); the ERC-4626
 * preview, the minimum the user accepts and any exit cost are shown before the wallet opens.
 */
import type { JsonRpcProvider, Signer, TransactionReceipt } from "ethers";
import type { RevertDecoder } from "../revert.js";
import {
  atLeast,
  atMost,
  exactAmount,
  formatAmount,
  formatBps,
  parseTolerance,
  validateAmount,
  type Limit,
} from "../units.js";
import type { VaultClient, VaultMeta } from "../vault.js";
import { startActivity, type ActivityEntry } from "./activity.js";
import { byId } from "./dom.js";
import type { Snapshot } from "./panels.js";

export interface FormContext {
  meta: VaultMeta;
  client: VaultClient;
  decoder: RevertDecoder;
  reader: JsonRpcProvider;
  snapshot(): Snapshot | undefined;
  /** Why each form is closed now (no wallet, wrong chain, paused, stale feed, cap), if it is. */
  blocked(): { deposit?: string; withdraw?: string };
  signer(): Promise<{ signer: Signer; address: string }>;
  /** Re-reads the chain after a transaction. */
  refresh(): Promise<void>;
}

interface Step {
  label: string;
  send(): Promise<{ hash: string }>;
}

interface FormParts {
  form: HTMLFormElement;
  amount: HTMLInputElement;
  tolerance: HTMLInputElement;
  max: HTMLButtonElement;
  error: HTMLElement;
  preview: HTMLElement;
  submit: HTMLButtonElement;
  disabled: HTMLElement;
}

function parts(prefix: string): FormParts {
  return {
    form: byId<HTMLFormElement>(`${prefix}-form`),
    amount: byId<HTMLInputElement>(`${prefix}-amount`),
    tolerance: byId<HTMLInputElement>(`${prefix}-tolerance`),
    max: byId<HTMLButtonElement>(`${prefix}-max`),
    error: byId(`${prefix}-error`),
    preview: byId(`${prefix}-preview`),
    submit: byId<HTMLButtonElement>(`${prefix}-submit`),
    disabled: byId(`${prefix}-disabled`),
  };
}

function lines(el: HTMLElement, texts: string[]) {
  el.replaceChildren(
    ...texts.map((t) => {
      const p = document.createElement("p");
      p.textContent = t;
      return p;
    }),
  );
}

/**
 * Polls for the receipt. (ethers' waitForTransaction compares it with a block number it may have
 * cached from just before the mining block, then waits for a next block that a quiet chain may
 * never produce.)
 */
async function waitMined(reader: JsonRpcProvider, hash: string, timeoutMs = 120_000): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const receipt = await reader.getTransactionReceipt(hash);
    if (receipt) return receipt;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("no receipt after two minutes: check your wallet's activity");
}

/**
 * A form's life: `plan` turns the inputs into steps (or an error); submit runs the steps one by
 * one, each with its own activity entry, and stops at the first failure.
 */
function wireForm(
  ctx: FormContext,
  p: FormParts,
  blockedReason: () => string | undefined,
  plan: () => Promise<{ steps: Step[]; preview: string[]; submitLabel: string } | { error: string } | undefined>,
  maxValue: () => string | undefined,
  defaultLabel: () => string,
) {
  let seq = 0;
  let busy = false;
  let ready: Step[] | undefined;
  /** The last failed transaction's sentence: shown until the user changes the inputs. */
  let failure: string | undefined;

  /** The newest `update`: a refresh's can supersede a submit's while its plan is computed. */
  let latest: Promise<void> = Promise.resolve();
  function update(showEmpty = false): Promise<void> {
    latest = recompute(showEmpty);
    return latest;
  }

  async function recompute(showEmpty: boolean) {
    const mine = ++seq;
    ready = undefined;
    const reason = blockedReason();
    p.disabled.hidden = reason === undefined;
    p.disabled.textContent = reason ?? "";
    for (const el of [p.amount, p.tolerance, p.max]) el.disabled = reason !== undefined || busy;
    p.submit.disabled = reason !== undefined || busy;
    if (reason !== undefined || (p.amount.value.trim() === "" && !showEmpty)) {
      p.error.textContent = reason === undefined ? (failure ?? "") : "";
      p.preview.replaceChildren();
      p.submit.textContent = defaultLabel();
      return;
    }
    const result = await plan();
    if (mine !== seq || result === undefined) return;
    if ("error" in result) {
      p.error.textContent = result.error;
      p.amount.setAttribute("aria-invalid", "true");
      p.preview.replaceChildren();
      return;
    }
    p.amount.removeAttribute("aria-invalid");
    p.error.textContent = failure ?? "";
    lines(p.preview, result.preview);
    p.submit.textContent = result.submitLabel;
    ready = result.steps;
  }

  async function run(steps: Step[]) {
    busy = true;
    await update();
    let entry: ActivityEntry | undefined;
    try {
      for (const step of steps) {
        entry = startActivity(step.label);
        const tx = await step.send();
        entry.pending(tx.hash);
        const receipt = await waitMined(ctx.reader, tx.hash);
        if (receipt.status !== 1) throw new Error(`the transaction reverted on-chain (block ${receipt.blockNumber})`);
        entry.mined(receipt.blockNumber);
      }
      p.amount.value = "";
    } catch (err) {
      failure = ctx.decoder.explain(err).sentence;
      entry?.failed(failure);
    }
    busy = false;
    // Re-read even after a failure: an approval before it may have been mined.
    await ctx.refresh();
  }

  const edited = () => {
    failure = undefined;
    void update();
  };
  p.amount.addEventListener("input", edited);
  p.tolerance.addEventListener("input", edited);
  p.max.addEventListener("click", () => {
    const v = maxValue();
    if (v !== undefined) {
      p.amount.value = v;
      edited();
    }
  });
  let submitting = false;
  p.form.addEventListener("submit", (e) => {
    e.preventDefault();
    // Set before any await: a second click while the plan is still being computed is ignored.
    if (busy || submitting) return;
    submitting = true;
    void (async () => {
      try {
        if (!ready) await update(true);
        // A refresh (a new block) that started meanwhile superseded that plan: its own plan, once
        // computed, is the one to run, or the click would be lost without a word.
        for (let current: Promise<void> | undefined; !ready && current !== latest;) {
          current = latest;
          await current;
        }
        if (ready) await run(ready);
      } finally {
        submitting = false;
      }
    })();
  });
  return { update: () => update() };
}

export function setupForms(ctx: FormContext) {
  const { meta, client } = ctx;
  const assets = (v: bigint) => `${formatAmount(v, meta.assetDecimals, meta.assetDecimals)} ${meta.assetSymbol}`;
  const shares = (v: bigint) => `${formatAmount(v, meta.shareDecimals, 6)} ${meta.shareSymbol}`;
  const explain = (err: unknown) => ({ error: ctx.decoder.explain(err).sentence });

  const tolerance = (input: HTMLInputElement) => parseTolerance(input.value);

  // Deposit --------------------------------------------------------------------------------
  const dp = parts("deposit");
  const deposit = wireForm(
    ctx,
    dp,
    () => ctx.blocked().deposit,
    async () => {
      const snap = ctx.snapshot();
      const account = snap?.account;
      if (!snap || !account) return undefined;
      const at = snap.blockNumber; // previews read the block the page shows
      const limits: Limit[] = [
        { value: account.assetBalance, describe: `your balance of ${assets(account.assetBalance)}` },
      ];
      if (account.maxDeposit !== undefined)
        limits.push({
          value: account.maxDeposit,
          describe: `what the vault accepts now, ${assets(account.maxDeposit)} (its deposit cap)`,
        });
      const parsed = validateAmount(dp.amount.value, meta.assetDecimals, meta.assetSymbol, limits);
      if (!parsed.ok) return { error: parsed.reason };
      const tol = tolerance(dp.tolerance);
      if (!tol.ok) return { error: tol.reason };
      const amount = parsed.value;
      let preview: bigint, worth: bigint;
      try {
        preview = await client.previewDeposit(amount, at);
        worth = await client.convertToAssets(preview, at);
      } catch (err) {
        return explain(err);
      }
      // previewDeposit charges the worst-case cost of deploying the deposit (kept by the vault).
      const charge = amount > worth ? amount - worth : 0n;
      const minShares = atLeast(preview, tol.bps);
      const needsApproval = account.allowance < amount;
      const steps: Step[] = [];
      const text = [
        `You receive ${shares(preview)} for ${assets(amount)} (previewDeposit).`,
        `You accept at least ${shares(minShares)} (${formatBps(tol.bps)} tolerance).`,
        charge === 0n
          ? "No entry charge: the shares are worth what you deposit."
          : `Entry charge: ${assets(charge)} (${formatBps((charge * 10_000n) / amount)}), the worst-case cost of deploying your deposit into spot and short. It stays in the vault: what the deployment does not spend belongs to all holders, you included.`,
        "The deposit sits idle until the next rebalance puts it to work; a SpotCollateral vault on a venue that fills at once deploys it in the same transaction instead and charges its actual cost, never more than this charge, so you receive at least the preview.",
      ];
      if (needsApproval) {
        text.push(`First your wallet approves the vault to spend exactly ${assets(amount)}.`);
        steps.push({
          label: `Approve ${assets(amount)}`,
          send: async () => client.approve((await ctx.signer()).signer, amount),
        });
      }
      steps.push({
        label: `Deposit ${assets(amount)}`,
        send: async () => {
          const { signer, address } = await ctx.signer();
          return client.deposit(signer, amount, address, minShares);
        },
      });
      return { steps, preview: text, submitLabel: needsApproval ? "Approve and deposit" : "Deposit" };
    },
    () => {
      const a = ctx.snapshot()?.account;
      if (!a) return undefined;
      const cap = a.maxDeposit ?? a.assetBalance;
      return exactAmount(cap < a.assetBalance ? cap : a.assetBalance, meta.assetDecimals);
    },
    () => "Deposit",
  );

  // Withdraw / redeem -----------------------------------------------------------------------
  const wp = parts("withdraw");
  const mode = () =>
    (document.querySelector<HTMLInputElement>('input[name="withdraw-mode"]:checked')?.value ?? "withdraw") as
      "withdraw" | "redeem";
  const amountLabel = byId("withdraw-amount-label");
  const setLabels = () => {
    amountLabel.textContent = mode() === "withdraw" ? `Amount (${meta.assetSymbol})` : `Shares (${meta.shareSymbol})`;
    wp.submit.textContent = mode() === "withdraw" ? "Withdraw" : "Redeem";
  };
  const exitLines = (value: bigint, paid: bigint, idle: bigint, slippageBps: bigint): string[] => {
    if (value <= idle) return ["Paid from idle cash: no unwind and no exit cost."];
    const cost = value > paid ? value - paid : 0n;
    return [
      `Idle cash is ${assets(idle)}, less than this exit: the vault unwinds positions pro rata for the rest (sells spot, reduces the short, frees margin).`,
      `Exit cost: up to ${assets(cost)}${value > 0n ? ` (${formatBps((cost * 10_000n) / value)} of the value)` : ""}, the worst case the preview charges from the vault's ${formatBps(slippageBps)} slippage bound per trade. You pay the measured cost, never more.`,
    ];
  };
  const withdraw = wireForm(
    ctx,
    wp,
    () => ctx.blocked().withdraw,
    async () => {
      const snap = ctx.snapshot();
      const account = snap?.account;
      if (!snap?.state || !account) return undefined;
      const idle = snap.state.idle;
      const at = snap.blockNumber; // previews read the block the page shows
      const tol = tolerance(wp.tolerance);
      if (mode() === "withdraw") {
        const limits: Limit[] = [];
        if (account.value !== undefined)
          limits.push({ value: account.value, describe: `your position's value, ${assets(account.value)}` });
        if (account.maxWithdraw !== undefined)
          limits.push({
            value: account.maxWithdraw,
            describe: `the most you can withdraw now, ${assets(account.maxWithdraw)} (your value after the worst-case exit cost)`,
          });
        const parsed = validateAmount(wp.amount.value, meta.assetDecimals, meta.assetSymbol, limits);
        if (!parsed.ok) return { error: parsed.reason };
        if (!tol.ok) return { error: tol.reason };
        const amount = parsed.value;
        let burn: bigint, burnValue: bigint;
        try {
          burn = await client.previewWithdraw(amount, at);
          burnValue = await client.convertToAssets(burn, at);
        } catch (err) {
          return explain(err);
        }
        const raw = atMost(burn, tol.bps);
        const maxShares = raw > account.shares ? account.shares : raw;
        return {
          preview: [
            `You receive ${assets(amount)} and burn ${shares(burn)} (previewWithdraw).`,
            `You accept burning at most ${shares(maxShares)} (${formatBps(tol.bps)} tolerance).`,
            ...exitLines(amount > idle ? burnValue : amount, amount, idle, snap.maxSlippageBps),
          ],
          submitLabel: "Withdraw",
          steps: [
            {
              label: `Withdraw ${assets(amount)}`,
              send: async () => {
                const { signer, address } = await ctx.signer();
                return client.withdraw(signer, amount, address, maxShares);
              },
            },
          ],
        };
      }
      const parsed = validateAmount(wp.amount.value, meta.shareDecimals, meta.shareSymbol, [
        { value: account.shares, describe: `your ${shares(account.shares)}` },
      ]);
      if (!parsed.ok) return { error: parsed.reason };
      if (!tol.ok) return { error: tol.reason };
      const count = parsed.value;
      let paid: bigint, value: bigint;
      try {
        [paid, value] = await Promise.all([client.previewRedeem(count, at), client.convertToAssets(count, at)]);
      } catch (err) {
        return explain(err);
      }
      const minAssets = atLeast(paid, tol.bps);
      return {
        preview: [
          `You redeem ${shares(count)} for ${assets(paid)} (previewRedeem).`,
          `You accept at least ${assets(minAssets)} (${formatBps(tol.bps)} tolerance).`,
          ...exitLines(value, paid, idle, snap.maxSlippageBps),
        ],
        submitLabel: "Redeem",
        steps: [
          {
            label: `Redeem ${shares(count)}`,
            send: async () => {
              const { signer, address } = await ctx.signer();
              return client.redeem(signer, count, address, minAssets);
            },
          },
        ],
      };
    },
    () => {
      const a = ctx.snapshot()?.account;
      if (!a) return undefined;
      if (mode() === "redeem") return exactAmount(a.shares, meta.shareDecimals);
      return a.maxWithdraw === undefined ? undefined : exactAmount(a.maxWithdraw, meta.assetDecimals);
    },
    () => (mode() === "withdraw" ? "Withdraw" : "Redeem"),
  );
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="withdraw-mode"]'))
    radio.addEventListener("change", () => {
      setLabels();
      wp.amount.value = "";
      void withdraw.update();
    });
  setLabels();
  for (const el of document.querySelectorAll(".asset-symbol")) el.textContent = meta.assetSymbol;

  return {
    update: () => {
      void deposit.update();
      void withdraw.update();
    },
  };
}
