/**
 * The depositor page end to end in headless Chromium: a local chain with the stack deployed, the
 * page served as `npm run app` serves it, the injected test wallet signing with a funded local
 * account. The steps run in order and share one chain, as one user's session would. Screenshots
 * of each state go to reports/app/.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { EventLog, Signer } from "ethers";
import type { Browser, Page } from "playwright-core";
import { buildApp } from "../../app/server/build.js";
import { startLocalApp, type LocalApp } from "../../app/server/localChain.js";
import { startAppServer } from "../../app/server/server.js";
import { exactAmount, formatAmount } from "../../app/src/units.js";
import type { AppConfig } from "../../app/src/config.js";
import { ROOT } from "../../deploy/lib/deployStack.js";
import { findChromium, launchChromium, SKIP_LINE } from "./browser.js";

const SHOTS = join(ROOT, "reports", "app");
const USDC = 10n ** 6n;
const SHARE = 10n ** 12n;
const START_USDC = 100_000n * USDC;
/** The chain the test wallet starts on, so the page must offer the switch. */
const WRONG_CHAIN = 1;

/** A second EIP-6963 wallet whose user refuses every request (EIP-1193 code 4001). */
const REFUSING_WALLET = `(() => {
  const provider = {
    request: async () => { throw Object.assign(new Error("User rejected the request."), { code: 4001 }); },
    on() {}, removeListener() {},
  };
  const info = { uuid: "6a1e8c9e-0000-4000-8000-000000000002", name: "Second wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "test.second-wallet" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

/**
 * WCAG 2 contrast of the first few elements of each kind of text, as [selector, ratio]. A string
 * (not a function) so the test runner's transpiler adds no helpers to what runs in the page.
 */
const CONTRAST_SCRIPT = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const selectors = ["h1", "h2", "dt", "dd", ".note", "#network", "label", ".preview p", ".error", ".reason",
    "button.primary:not([disabled])", "#activity [data-state]", "footer p", ".chart text.share", ".chart text.spot"];
  return selectors.flatMap((sel) => [...document.querySelectorAll(sel)].slice(0, 3).map((el) => {
    const fg = rgb(getComputedStyle(el)[el.closest("svg") ? "fill" : "color"]).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    return [sel, Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100];
  }));
})()`;

const chromiumPath = findChromium();
/** The page's document, inside functions that Playwright runs in the browser. */
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("Depositor app in headless Chromium", function () {
  this.timeout(60_000);
  let connection: Awaited<ReturnType<typeof network.create>>;
  let local: LocalApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let distDir: string;
  const outside: string[] = [];
  /** While set, the page's /rpc answers eth_blockNumber with this block, so it sees no new block. */
  let frozenBlock: string | undefined;
  const pageErrors: string[] = [];

  const usdc = (v: bigint) => `${formatAmount(v, 6, 2)} USDC`;
  const shares = (v: bigint) => `${formatAmount(v, 12, 4)} dnETH`;
  const user = () => local.testWallet.address;
  /** The vault as `signer` (the Ignition result's `connect` loses the contract's type). */
  const vaultAs = (signer: Signer) => local.stack.vault.connect(signer) as typeof local.stack.vault;

  async function shot(name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }
  async function text(selector: string) {
    return ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();
  }
  const field = (name: string) => text(`[data-field="${name}"]`);
  /** Waits until the page has read the chain's newest block (it refreshes on each block). */
  async function caughtUp() {
    const n = await connection.ethers.provider.getBlockNumber();
    await page.waitForFunction((b) => Number(document.body.dataset.block ?? -1) >= b, n, { timeout: 30_000 });
  }
  async function waitForText(selector: string, pattern: RegExp) {
    await page.waitForFunction(
      ([sel, src, flags]) =>
        new RegExp(src, flags).test((document.querySelector(sel)?.textContent ?? "").replace(/\s+/g, " ").trim()),
      [selector, pattern.source, pattern.flags] as const,
      { timeout: 30_000 },
    );
  }
  async function fill(selector: string, value: string) {
    await page.fill(selector, value);
    await page.locator(selector).dispatchEvent("input");
  }
  async function activityCount() {
    return page.locator("#activity li").count();
  }

  before(async function () {
    if (!chromiumPath) {
      console.log(`    ${SKIP_LINE}`);
      this.skip();
    }
    this.timeout(120_000);
    mkdirSync(SHOTS, { recursive: true });
    for (const old of readdirSync(SHOTS)) if (old.startsWith("failed-")) rmSync(join(SHOTS, old));
    distDir = mkdtempSync(join(tmpdir(), "dnv-app-"));
    connection = await network.create();
    const built = buildApp(distDir);
    local = await startLocalApp(connection, { eth: 10n ** 20n, assets: START_USDC });
    await built;
    const config: AppConfig = {
      mode: "embedded",
      network: "in-process",
      chainId: local.deployment.chainId,
      rpcPath: "/rpc",
      historyBlocks: 10_000,
      deployment: { vault: local.deployment.vault },
    };
    server = await startAppServer({
      distDir,
      upstreamRpcUrl: local.rpcUrl,
      config,
      testWallet: { privateKey: local.testWallet.privateKey, startChainId: WRONG_CHAIN },
      port: 0,
    });
    browser = await launchChromium(chromiumPath!);
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) outside.push(r.url());
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.addInitScript(REFUSING_WALLET);
    await page.route(`${server.url}/rpc`, async (route) => {
      if (frozenBlock === undefined) return route.continue();
      const response = await route.fetch();
      const sent = JSON.parse(route.request().postData() ?? "null");
      const got = JSON.parse(await response.text());
      const requests: { id: unknown; method: string }[] = Array.isArray(sent) ? sent : [sent];
      const hold = (r: { id: unknown }) =>
        requests.find((q) => q.id === r.id)?.method === "eth_blockNumber" ? { ...r, result: frozenBlock } : r;
      await route.fulfill({ response, body: JSON.stringify(Array.isArray(got) ? got.map(hold) : hold(got)) });
    });
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && page) {
      await shot(`failed-${this.currentTest.title.split(":")[0].replace(/\W+/g, "-")}`);
      console.log(`      page activity: ${await text("#activity")}; errors: ${pageErrors.join(" | ")}`);
    }
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    await local?.close();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it("connects: lists every announced wallet, explains a refusal, offers the chain switch, shows balances", async function () {
    await page.getByRole("button", { name: "Connect Local test wallet" }).waitFor();
    await page.getByRole("button", { name: "Connect Second wallet" }).waitFor();
    await shot("01-wallets-found");

    await page.getByRole("button", { name: "Connect Second wallet" }).click();
    await waitForText('[data-notice="wallet-error"]', /Second wallet: You rejected the request in your wallet/);

    await page.getByRole("button", { name: "Connect Local test wallet" }).click();
    await waitForText(
      '[data-notice="wrong-chain"]',
      new RegExp(`on chain ${WRONG_CHAIN}; this vault is on chain 31337`),
    );
    expect(await page.locator("#deposit-submit").isDisabled()).to.equal(true);
    expect(await text("#deposit-disabled")).to.equal("Switch your wallet to chain 31337 first.");
    await shot("02-wrong-chain");

    await page.getByRole("button", { name: "Switch to chain 31337" }).click();
    await page.waitForSelector('[data-notice="wrong-chain"]', { state: "detached" });
    await waitForText("#wallet-status", /Connected with Local test wallet: 0x/);
    await waitForText('[data-field="asset-balance"]', /100,000\.00 USDC/);
    expect(await field("shares")).to.equal(shares(0n));
    expect(await field("nav")).to.equal("0.00 USDC");
    await shot("03-connected");
  });

  it("refuses bad input with a reason, before anything is signed", async function () {
    const nonce = await connection.ethers.provider.getTransactionCount(user());
    const before = await activityCount();
    const cases: [string, RegExp][] = [
      ["abc", /Enter a plain number of USDC/],
      ["0", /Enter an amount above zero/],
      ["1.1234567", /USDC has 6 decimals: 7 were entered/],
      ["100000.01", /That is more than your balance of 100,000\.00 USDC/],
      ["-5", /Enter a plain number of USDC/],
    ];
    for (const [input, reason] of cases) {
      await fill("#deposit-amount", input);
      await waitForText("#deposit-error", reason);
      expect(await page.getAttribute("#deposit-amount", "aria-invalid")).to.equal("true");
    }
    await fill("#deposit-amount", "");
    await page.click("#deposit-submit");
    await waitForText("#deposit-error", /^Enter an amount\.$/);
    await fill("#deposit-amount", "10");
    await fill("#deposit-tolerance", "80");
    await waitForText("#deposit-error", /A tolerance above 50% protects nothing/);
    await page.click("#deposit-submit");
    await fill("#deposit-amount", "100000.01");
    await waitForText("#deposit-error", /more than your balance/);
    await shot("04-rejected-input");
    await page.click("#deposit-submit");
    expect(await activityCount()).to.equal(before);
    expect(await connection.ethers.provider.getTransactionCount(user())).to.equal(nonce);
    await fill("#deposit-tolerance", "0.5");
  });

  it("deposits with an exact approval and shows the new shares and vault state", async function () {
    const amount = 10_000n * USDC;
    const preview = await local.stack.vault.previewDeposit(amount);
    await fill("#deposit-amount", "10000");
    await waitForText("#deposit-preview", /previewDeposit/);
    const previewText = await text("#deposit-preview");
    expect(previewText).to.contain(`You receive ${formatAmount(preview, 12, 6)} dnETH for 10,000.00 USDC`);
    expect(previewText).to.contain(`You accept at least ${formatAmount((preview * 9_950n) / 10_000n, 12, 6)} dnETH`);
    const charge = amount - (await local.stack.vault.convertToAssets(preview));
    expect(charge).to.be.greaterThan(0n);
    expect(previewText).to.contain(
      `Entry charge: ${formatAmount(charge, 6, 6)} USDC (${formatAmount((charge * 10_000n) / amount, 2, 2)}%), the worst-case cost of deploying`,
    );
    expect(previewText).to.contain("approves the vault to spend exactly 10,000.00 USDC");
    expect(await text("#deposit-submit")).to.equal("Approve and deposit");
    await shot("05-deposit-preview");

    await page.click("#deposit-submit");
    await waitForText("#activity", /Deposit 10,000\.00 USDC: mined in block \d+/);
    expect(await text("#activity")).to.match(/Approve 10,000\.00 USDC: mined in block \d+/);
    await caughtUp();
    const held = await local.stack.vault.balanceOf(user());
    expect(held).to.equal(preview);
    expect(await local.stack.usdc.allowance(user(), local.deployment.vault)).to.equal(0n); // exact approval, spent
    await waitForText('[data-field="shares"]', new RegExp(shares(held).replace(".", "\\.")));
    expect(await field("asset-balance")).to.equal(usdc(START_USDC - amount));
    expect(await field("nav")).to.equal("10,000.00 USDC");
    expect(await field("idle")).to.match(/^10,000\.00 USDC 100\.00% of NAV/);
    expect(await field("band")).to.equal("idle cash (hard: anyone may rebalance)");
    await shot("06-deposited");
  });

  it("withdraws from idle cash with no exit cost", async function () {
    const amount = 1_000n * USDC;
    const burn = await local.stack.vault.previewWithdraw(amount);
    const sharesBefore = await local.stack.vault.balanceOf(user());
    const value = await local.stack.vault.convertToAssets(sharesBefore);
    // Above the position's value, and above the shares held: refused before signing.
    await fill("#withdraw-amount", "10000");
    await waitForText(
      "#withdraw-error",
      new RegExp(`That is more than your position's value, ${formatAmount(value, 6, 6)} USDC\\.`),
    );
    await page.check('input[name="withdraw-mode"][value="redeem"]');
    await fill("#withdraw-amount", "10000.000001");
    await waitForText("#withdraw-error", /That is more than your [\d,.]+ dnETH\./);
    await page.check('input[name="withdraw-mode"][value="withdraw"]');
    await fill("#withdraw-amount", "1000");
    await waitForText("#withdraw-preview", /previewWithdraw/);
    const preview = await text("#withdraw-preview");
    expect(preview).to.contain(`burn ${formatAmount(burn, 12, 6)} dnETH`);
    expect(preview).to.contain("Paid from idle cash: no unwind and no exit cost.");
    await shot("07-withdraw-from-idle");
    const entries = await activityCount();
    await page.dblclick("#withdraw-submit"); // an impatient double click withdraws once
    await waitForText("#activity", /Withdraw 1,000\.00 USDC: mined/);
    await caughtUp();
    expect(await activityCount()).to.equal(entries + 1);
    expect(await local.stack.vault.balanceOf(user())).to.equal(sharesBefore - burn);
    await waitForText('[data-field="asset-balance"]', /91,000\.00 USDC/);
  });

  it("withdraws with an unwind after a rebalance, showing the worst-case exit cost first", async function () {
    const [, , , , , anyone] = await connection.ethers.getSigners();
    await (await vaultAs(anyone).rebalance()).wait();
    await caughtUp();
    const state = await local.stack.vault.vaultState();
    expect(state.spotQty).to.be.greaterThan(0n);
    await waitForText('[data-field="band"]', /none: every band holds/);
    expect(await field("idle")).to.contain(usdc(state.idle));

    const amount = 3_000n * USDC; // far above idle (5% of NAV)
    expect(amount).to.be.greaterThan(state.idle);
    const burn = await local.stack.vault.previewWithdraw(amount);
    const worstCost = (await local.stack.vault.convertToAssets(burn)) - amount;
    expect(worstCost).to.be.greaterThan(0n);
    await page.check('input[name="withdraw-mode"][value="withdraw"]');
    await fill("#withdraw-amount", "3000");
    await waitForText("#withdraw-preview", /unwinds positions pro rata/);
    const preview = await text("#withdraw-preview");
    expect(preview).to.contain(`Idle cash is ${formatAmount(state.idle, 6, 6)} USDC`);
    expect(preview).to.contain(`Exit cost: up to ${formatAmount(worstCost, 6, 6)} USDC`);
    expect(preview).to.contain("0.50% slippage bound per trade. You pay the measured cost, never more.");
    await shot("08-unwind-preview");

    await page.click("#withdraw-submit");
    await waitForText("#activity", /Withdraw 3,000\.00 USDC: mined in block \d+/);
    await caughtUp();
    const unwound = await local.stack.vault.queryFilter(local.stack.vault.filters.Unwound(user()));
    expect(unwound).to.have.length(1);
    const cost = (unwound[0] as EventLog).args.cost as bigint;
    // The leaver paid the measured cost, never more than the preview's worst case.
    expect(cost).to.be.lessThanOrEqual(worstCost);
    await waitForText("#chart", /Share price against spot price/);
    expect(await page.locator("#chart circle.rebalance").count()).to.equal(1);
    await shot("09-unwound");
  });

  it("while paused: deposits are closed with the reason, redemptions still work", async function () {
    const [, , , , guardian] = await connection.ethers.getSigners();
    await (await vaultAs(guardian).pause()).wait();
    await caughtUp();
    await waitForText(
      '[data-notice="paused"]',
      /paused by its guardian: deposits and rebalances are stopped\. Withdrawals and redemptions still work/,
    );
    expect(await page.locator("#deposit-submit").isDisabled()).to.equal(true);
    expect(await page.locator("#deposit-amount").isDisabled()).to.equal(true);
    expect(await text("#deposit-disabled")).to.contain("Deposits are paused");
    expect(await field("deposit-room")).to.match(/USDC closed while paused$/);

    const count = 500n * SHARE;
    const expected = await local.stack.vault.previewRedeem(count);
    await page.check('input[name="withdraw-mode"][value="redeem"]');
    await fill("#withdraw-amount", "500");
    await waitForText("#withdraw-preview", /previewRedeem/);
    expect(await text("#withdraw-preview")).to.contain(`for ${formatAmount(expected, 6, 6)} USDC (previewRedeem)`);
    await shot("10-paused");
    const usdcBefore = await local.stack.usdc.balanceOf(user());
    await page.click("#withdraw-submit");
    await waitForText("#activity", /Redeem 500\.00 dnETH: mined/);
    const received = (await local.stack.usdc.balanceOf(user())) - usdcBefore;
    expect(received).to.be.greaterThanOrEqual((expected * 9_950n) / 10_000n);
    await (await vaultAs(guardian).unpause()).wait();
    await caughtUp();
    await page.waitForSelector('[data-notice="paused"]', { state: "detached" });
  });

  it("at the deposit cap: deposits are closed and say why", async function () {
    const [owner] = await connection.ethers.getSigners();
    const cap = await local.stack.vault.depositCap();
    // Room for 100 USDC more: a bigger deposit is refused before signing, naming the room.
    await (await vaultAs(owner).setDepositCap((await local.stack.vault.totalAssets()) + 100n * USDC)).wait();
    await caughtUp();
    await fill("#deposit-amount", "200");
    await waitForText(
      "#deposit-error",
      /That is more than what the vault accepts now, 100\.00 USDC \(its deposit cap\)\./,
    );
    await fill("#deposit-amount", "");
    await (await vaultAs(owner).setDepositCap(await local.stack.vault.totalAssets())).wait();
    await caughtUp();
    await waitForText('[data-notice="cap-reached"]', /deposit cap is reached/);
    expect(await text("#deposit-disabled")).to.contain("The deposit cap is reached");
    await shot("11-deposit-cap-reached");
    await (await vaultAs(owner).setDepositCap(cap)).wait();
    await caughtUp();
    await page.waitForSelector('[data-notice="cap-reached"]', { state: "detached" });
  });

  it("with a stale oracle: says the vault cannot price its positions and what still works", async function () {
    const [, answer] = await local.stack.oracle.latestRoundData();
    // The notice counts from the feed's last update, and the chain's clock follows the wall
    // clock: refreshed here, the hour below is the whole of it however long the tests before took.
    await (await local.stack.oracle.updateAnswer(answer)).wait();
    await connection.networkHelpers.time.increase(3_601);
    await caughtUp();
    await waitForText(
      '[data-notice="stale-oracle"]',
      /The price feed is stale \(last update 1 h 0 min ago, it must update every 60 min\)/,
    );
    const notice = await text('[data-notice="stale-oracle"]');
    expect(notice).to.contain("What still works");
    expect(await page.locator("#deposit-submit").isDisabled()).to.equal(true);
    expect(await page.locator("#withdraw-submit").isDisabled()).to.equal(true);
    expect(await text("#withdraw-disabled")).to.equal("Closed until the price feed updates (see the notice above).");
    expect(await field("shares")).to.equal(shares(await local.stack.vault.balanceOf(user())));
    expect(await field("share-value")).to.contain("unavailable");
    await shot("12-stale-oracle");
    // What the notice promises: shares still move while the vault cannot price itself.
    const [, , , , , , receiver] = await connection.ethers.getSigners();
    const holder = local.testWallet.connect(connection.ethers.provider);
    await (await vaultAs(holder as unknown as Signer).transfer(receiver.address, 1n)).wait();
    expect(await local.stack.vault.balanceOf(receiver.address)).to.equal(1n);
    await expect(local.stack.vault.previewRedeem(1n)).to.be.revertedWithCustomError(
      local.stack.vault,
      "OracleStalePrice",
    );

    await (await local.stack.oracle.updateAnswer(answer)).wait();
    await caughtUp();
    await page.waitForSelector('[data-notice="stale-oracle"]', { state: "detached" });
    expect(await page.locator("#deposit-submit").isDisabled()).to.equal(false);
  });

  it("a deposit whose price moved after the preview is refused by the vault's minimum, and says so", async function () {
    await fill("#deposit-tolerance", "0");
    await fill("#deposit-amount", "1000");
    await waitForText("#deposit-preview", /You accept at least/);
    // Hold the page on this block, so that its plan (and minimum) is the one the user saw.
    frozenBlock = await connection.ethers.provider.send("eth_blockNumber", []);
    await (await local.stack.usdc.mint(local.deployment.vault, 2_000n * USDC)).wait(); // share price up
    await page.click("#deposit-submit");
    await waitForText(
      "#activity",
      /Deposit 1,000\.00 USDC: failed: The deposit would give [\d,.]+ dnETH, less than the minimum you accepted/,
    );
    await waitForText("#deposit-error", /less than the minimum you accepted/);
    // Approved, not spent: the approval stands for the retry.
    expect(await local.stack.usdc.allowance(user(), local.deployment.vault)).to.equal(1_000n * USDC);
    await shot("14-slippage-refused");
    frozenBlock = undefined;
    await caughtUp();

    // The retry uses the new preview and the standing approval: one more transaction, not two.
    const sharesBefore = await local.stack.vault.balanceOf(user());
    const expected = await local.stack.vault.previewDeposit(1_000n * USDC);
    await fill("#deposit-tolerance", "0.5");
    await waitForText("#deposit-preview", /\(0\.50% tolerance\)/);
    expect(await text("#deposit-error")).to.equal("");
    expect(await text("#deposit-submit")).to.equal("Deposit");
    const entries = await activityCount();
    await page.click("#deposit-submit");
    await waitForText("#activity li:first-child", /Deposit 1,000\.00 USDC: mined/);
    expect(await activityCount()).to.equal(entries + 1);
    expect((await local.stack.vault.balanceOf(user())) - sharesBefore).to.equal(expected);
  });

  it("fits a phone-width screen and called nothing outside its own origin", async function () {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.lessThanOrEqual(0);
    // Every control has a name a screen reader reads, and the forms work from the keyboard.
    const unnamed = await page.evaluate(
      () =>
        [...document.querySelectorAll("input, button")]
          .filter((el: any) => (el.labels?.length ?? 0) === 0 && !el.textContent?.trim() && !el.closest("label")) // eslint-disable-line @typescript-eslint/no-explicit-any
          .map((el: any) => el.id || el.outerHTML), // eslint-disable-line @typescript-eslint/no-explicit-any
    );
    expect(unnamed).to.deep.equal([]);
    // Text contrast of every kind of text on the page, WCAG 2 formula: at least 4.5:1.
    const contrasts = (await page.evaluate(CONTRAST_SCRIPT)) as [string, number][];
    expect(contrasts.length).to.be.greaterThan(15);
    expect(contrasts.filter(([, ratio]) => ratio < 4.5)).to.deep.equal([]);

    await page.waitForSelector("#deposit-submit:not([disabled])"); // the last deposit's re-read is done
    await page.focus("#deposit-amount");
    await page.keyboard.type("5");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal("deposit-max");
    await page.keyboard.press("Enter");
    await waitForText("#deposit-preview", /previewDeposit/);
    // Max writes the whole balance, every decimal.
    expect(await page.inputValue("#deposit-amount")).to.equal(exactAmount(await local.stack.usdc.balanceOf(user()), 6));
    await shot("13-phone-width");
    expect(outside).to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
