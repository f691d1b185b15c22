/** Review: an outsider can make the vault's leavers pay, or be refused, after a falling feed update. */
import { expect } from "chai";
import { network } from "hardhat";
import { vaultStackFixture } from "../fixtures/vaultStack.js";
import { deployed, depositFor, price, usdc } from "../vault/helpers.js";

const { ethers, networkHelpers } = await network.create();
const fixture = vaultStackFixture(ethers, { keepOracleEdgeGuard: true });

async function griefed(updatePrice: bigint, grief: boolean) {
  const s = await networkHelpers.loadFixture(fixture);
  const { alice, shares } = await deployed(s);
  const griefer = s.users[1];
  // Long after the keeper's rebalance: the vault's short is out of any window.
  await networkHelpers.time.increase(3_600);
  await s.setPrice(price(3_000));
  await networkHelpers.time.increase(600);
  // The griefer deposits enough to breach the hard idle band: rebalance is open to anyone.
  await depositFor(s, griefer, usdc(500_000));
  if (grief) await s.vault.connect(griefer).rebalance(); // grows the short one block before the update
  else await networkHelpers.time.increase(60);
  await s.setPrice(updatePrice);
  const before = await s.usdc.balanceOf(alice.address);
  const tx = s.vault.connect(alice).redeem(shares / 2n, alice.address, alice.address);
  return { s, alice, shares, tx, before };
}

describe("Review: guard and vault exits", function () {
  it("R4a after -0.5%: the leaver pays the update's gain on the WHOLE short, not on what the rebalance added", async function () {
    const control = await griefed(price(2_985), false);
    await (await control.tx).wait();
    const fair = (await control.s.usdc.balanceOf(control.alice.address)) - control.before;
    const g = await griefed(price(2_985), true);
    const receipt = await (await g.tx).wait();
    let charged = 0n;
    for (const log of receipt!.logs) {
      try {
        const parsed = g.s.market.interface.parseLog(log);
        if (parsed?.name === "OracleEdgeCharged") charged = parsed.args.amount;
      } catch {
        /* other contracts' logs */
      }
    }
    const got = (await g.s.usdc.balanceOf(g.alice.address)) - g.before;
    console.log(
      `      R4a alice half-redeem: ${ethers.formatUnits(got, 6)} vs ${ethers.formatUnits(fair, 6)} without the griefer; edge charge ${ethers.formatUnits(charged, 6)}`,
    );
    expect(fair - got).to.be.lessThan(usdc(100));
  });

  it("R4b after -2%: the griefer's public rebalance makes every unwinding redeem revert until the next update", async function () {
    const g = await griefed(price(2_940), true);
    await g.tx; // reverts CostTooHigh on the branch
    expect(await g.s.vault.balanceOf(g.alice.address)).to.equal(g.shares - g.shares / 2n);
  });
});
