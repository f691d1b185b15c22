/**
 * The page's revert decoder against real reverts of the deployed stack: selectors come from the
 * compiled ABIs, and each revert a depositor can meet reads as a sentence with its numbers.
 */
import { expect } from "chai";
import { join } from "node:path";
import { network } from "hardhat";
import { AbiCoder, ErrorFragment, Interface, type InterfaceAbi } from "ethers";
import { readStackAbis } from "../../app/server/artifacts.js";
import { createRevertDecoder, WORDED_ERRORS } from "../../app/src/revert.js";
import { formatAmount } from "../../app/src/units.js";
import { ROOT } from "../../deploy/lib/deployStack.js";
import { HEARTBEAT, vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);
const abis = Object.values(readStackAbis(join(ROOT, "artifacts"))) as InterfaceAbi[];
const decoder = createRevertDecoder(abis, {
  assets: (v) => `${formatAmount(v, 6, 2)} USDC`,
  shares: (v) => `${formatAmount(v, 12, 6)} dnETH`,
  ago: (t) => `at ${t}`,
});
const USDC = 10n ** 6n;
const DEPOSIT_MIN = "deposit(uint256,address,uint256)";
const REDEEM_MIN = "redeem(uint256,address,address,uint256)";

/** The sentence for what `call` threw; fails if it did not throw. */
async function sentenceOf(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    return decoder.explain(err);
  }
  throw new Error("expected a revert");
}

describe("Depositor app: revert decoding", function () {
  it("decodes every custom error of the stack's ABIs by its selector", function () {
    const fragments = abis.flatMap((abi) => new Interface(abi).fragments.filter((f) => f instanceof ErrorFragment));
    expect(fragments.length).to.be.greaterThan(40);
    for (const f of fragments) {
      const data = new Interface([f]).encodeErrorResult(
        f,
        f.inputs.map((i) => AbiCoder.defaultAbiCoder().getDefaultValue([i])[0]),
      );
      const decoded = decoder.decodeData(data);
      expect(decoded.name, f.format()).to.equal(f.name);
      expect(decoded.sentence, f.format()).to.not.match(/unknown error/);
    }
  });

  it("words only errors that exist in the stack's ABIs", function () {
    const names = new Set(
      abis.flatMap((abi) =>
        new Interface(abi).fragments.filter((f) => f instanceof ErrorFragment).map((f) => (f as ErrorFragment).name),
      ),
    );
    expect(WORDED_ERRORS.filter((n) => !names.has(n))).to.deep.equal([]);
  });

  it("turns the vault's real reverts into sentences with their amounts", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const [alice] = s.users;
    await s.fund(alice, 5_000n * USDC);
    const preview = await s.vault.previewDeposit(1_000n * USDC);

    const belowMin = await sentenceOf(() =>
      s.vault.connect(alice)[DEPOSIT_MIN].staticCall(1_000n * USDC, alice.address, preview + 1n),
    );
    expect(belowMin.name).to.equal("DepositSharesBelowMin");
    expect(belowMin.sentence).to.equal(
      `The deposit would give ${formatAmount(preview, 12, 6)} dnETH, less than the minimum you accepted (${formatAmount(preview + 1n, 12, 6)} dnETH). The vault's price moved: check the new preview and try again.`,
    );

    await (await s.vault.connect(alice)[DEPOSIT_MIN](1_000n * USDC, alice.address, preview)).wait();
    const held = await s.vault.balanceOf(alice.address);
    const tooMany = await sentenceOf(() =>
      s.vault.connect(alice)[REDEEM_MIN].staticCall(held + 1n, alice.address, alice.address, 0n),
    );
    expect(tooMany.name).to.equal("ERC4626ExceededMaxRedeem");
    expect(tooMany.sentence).to.contain(`You hold ${formatAmount(held, 12, 6)} dnETH`);

    await (await s.vault.connect(s.guardian).pause()).wait();
    const paused = await sentenceOf(() => s.vault.connect(alice)[DEPOSIT_MIN].staticCall(USDC, alice.address, 0n));
    expect(paused.sentence).to.match(/paused by its guardian/);
    await (await s.vault.connect(s.guardian).unpause()).wait();

    await (await s.vault.connect(s.users[1]).rebalance()).wait();
    await networkHelpers.time.increase(HEARTBEAT + 1);
    const stale = await sentenceOf(() => s.vault.vaultState());
    expect(stale.name).to.equal("OracleStalePrice");
    expect(stale.sentence).to.match(/^The price feed is stale \(last update at \d+, it must update every 60 min\)/);
  });

  it("decodes Error(string), Panic, an unknown selector and a wallet refusal", function () {
    const coder = AbiCoder.defaultAbiCoder();
    expect(decoder.decodeData(`0x08c379a0${coder.encode(["string"], ["STF"]).slice(2)}`).sentence).to.equal(
      "The contract refused: STF.",
    );
    expect(decoder.decodeData(`0x4e487b71${coder.encode(["uint256"], [0x11]).slice(2)}`).sentence).to.equal(
      "The contract stopped on an amount overflowed or underflowed.",
    );
    expect(decoder.decodeData("0xdeadbeef").sentence).to.equal(
      "The contract refused with an unknown error (0xdeadbeef).",
    );
    expect(decoder.explain({ code: 4001, message: "User rejected" }).sentence).to.equal(
      "You rejected the request in your wallet.",
    );
    expect(
      decoder.explain({ code: 3, message: "execution reverted", data: { data: "0xdeadbeef" } }).sentence,
    ).to.contain("0xdeadbeef");
  });
});
