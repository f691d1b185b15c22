/** The page's amount parsing and display: every check that runs before anything is signed. */
import { expect } from "chai";
import {
  atLeast,
  atMost,
  exactAmount,
  formatAmount,
  formatBps,
  parseAmount,
  parseTolerance,
  validateAmount,
} from "../../app/src/units.js";

describe("Depositor app: amounts", function () {
  it("parses plain decimals exactly, in base units", function () {
    expect(parseAmount("1", 6, "USDC")).to.deep.equal({ ok: true, value: 1_000_000n });
    expect(parseAmount(" 12.5 ", 6, "USDC")).to.deep.equal({ ok: true, value: 12_500_000n });
    expect(parseAmount(".000001", 6, "USDC")).to.deep.equal({ ok: true, value: 1n });
    expect(parseAmount("100000000000000000000.123456", 6, "USDC")).to.deep.equal({
      ok: true,
      value: 100_000_000_000_000_000_000_123_456n,
    });
    expect(parseAmount("1.000000000001", 12, "dnETH")).to.deep.equal({ ok: true, value: 1_000_000_000_001n });
  });

  it("refuses empty, zero, non-numbers and too many decimals, saying which", function () {
    const reason = (t: string, d = 6) => {
      const r = parseAmount(t, d, "USDC");
      return r.ok ? "ok" : r.reason;
    };
    expect(reason("")).to.equal("Enter an amount.");
    expect(reason("   ")).to.equal("Enter an amount.");
    for (const zero of ["0", "0.0", "000", ".0"]) expect(reason(zero)).to.equal("Enter an amount above zero.");
    for (const junk of ["abc", "-1", "1e6", "1,000", "0x10", ".", "1.2.3", "½", "Infinity"])
      expect(reason(junk), junk).to.match(/^Enter a plain number of USDC/);
    expect(reason("1.1234567")).to.equal("USDC has 6 decimals: 7 were entered.");
    expect(reason("1.5", 0)).to.equal("USDC has 0 decimals: 1 were entered.");
  });

  it("checks limits in order and names the one exceeded", function () {
    const limits = [
      { value: 50n, describe: "your balance" },
      { value: 30n, describe: "the cap" },
    ];
    expect(validateAmount("0.00005", 6, "USDC", limits)).to.deep.equal({
      ok: false,
      reason: "That is more than the cap.",
    });
    expect(validateAmount("0.000051", 6, "USDC", limits)).to.deep.equal({
      ok: false,
      reason: "That is more than your balance.",
    });
    expect(validateAmount("0.00003", 6, "USDC", limits)).to.deep.equal({ ok: true, value: 30n });
  });

  it("turns a tolerance into bounds that round against the user's counterparty", function () {
    expect(parseTolerance("0.5")).to.deep.equal({ ok: true, bps: 50n });
    expect(parseTolerance("0")).to.deep.equal({ ok: true, bps: 0n });
    expect(parseTolerance("50")).to.deep.equal({ ok: true, bps: 5_000n });
    expect(parseTolerance("50.01").ok).to.equal(false);
    expect(parseTolerance("0.001").ok).to.equal(false);
    expect(parseTolerance("x").ok).to.equal(false);
    expect(atLeast(1_000n, 50n)).to.equal(995n);
    expect(atLeast(999n, 50n)).to.equal(994n); // 994.005 rounded down
    expect(atMost(1_000n, 50n)).to.equal(1_005n);
    expect(atMost(999n, 50n)).to.equal(1_004n); // 1003.995 rounded up
    expect(atLeast(7n, 0n)).to.equal(7n);
    expect(atMost(7n, 0n)).to.equal(7n);
  });

  it("round-trips every amount through the Max button's text", function () {
    for (const v of [1n, 10n, 123_456_789n, 10n ** 30n + 7n, 1_000_000n])
      expect(parseAmount(exactAmount(v, 6), 6, "USDC")).to.deep.equal({ ok: true, value: v });
  });

  it("displays human units, truncated, never more than is there", function () {
    expect(formatAmount(1_234_567_891n, 6, 2)).to.equal("1,234.56");
    expect(formatAmount(1_000_000n, 6, 6)).to.equal("1.00");
    expect(formatAmount(1_000_001n, 6, 6)).to.equal("1.000001");
    expect(formatAmount(0n, 12, 4)).to.equal("0.00");
    expect(formatAmount(-1_500_000n, 6, 2)).to.equal("-1.50");
    expect(formatAmount(999_999n, 6, 0)).to.equal("0");
    expect(formatBps(1_234n)).to.equal("12.34%");
    expect(formatBps(-5n, true)).to.equal("-0.05%");
    expect(formatBps(5n, true)).to.equal("+0.05%");
  });
});
