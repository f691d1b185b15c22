import { expect } from "chai";
import { AbiCoder, Interface, concat, id } from "ethers";
import { contractInterface } from "../../keeper/chain/artifacts.js";
import { decodeRevert, describeRevert, errorRegistry } from "../../keeper/chain/revert.js";

const selector = (sig: string) => id(sig).slice(0, 10);
const encode = (sig: string, types: string[], values: unknown[]) =>
  concat([selector(sig), AbiCoder.defaultAbiCoder().encode(types, values)]);

describe("keeper revert decoder (built from the compiled artifacts)", function () {
  // The reverts an operator met as "unknown revert 0x…": the spot adapter's, the market's, the
  // oracle library's, plus OpenZeppelin's errors and the built-ins.
  const cases: [string, string, string][] = [
    [
      "the spot adapter's InsufficientOutput",
      contractInterface("ISpotVenue").encodeErrorResult("InsufficientOutput", [990n, 1_000n]),
      "InsufficientOutput(990, 1000)",
    ],
    [
      "PerpMarket's FillPriceOutOfBounds",
      contractInterface("PerpMarket").encodeErrorResult("FillPriceOutOfBounds", [3_010n, 3_000n]),
      "FillPriceOutOfBounds(3010, 3000)",
    ],
    [
      "OracleLib's OracleStalePrice",
      encode(
        "OracleStalePrice(address,uint256,uint256,uint256)",
        ["address", "uint256", "uint256", "uint256"],
        ["0x5FbDB2315678afecb367f032d93F642f64180aa3", 100n, 3_600n, 4_000n],
      ),
      "OracleStalePrice(0x5FbDB2315678afecb367f032d93F642f64180aa3, 100, 3600, 4000)",
    ],
    [
      "OpenZeppelin's ERC20InsufficientBalance",
      encode(
        "ERC20InsufficientBalance(address,uint256,uint256)",
        ["address", "uint256", "uint256"],
        ["0x0000000000000000000000000000000000000001", 5n, 6n],
      ),
      "ERC20InsufficientBalance(0x0000000000000000000000000000000000000001, 5, 6)",
    ],
    ["Error(string)", encode("Error(string)", ["string"], ["STF"]), "Error(STF)"],
    ["Panic(uint256)", encode("Panic(uint256)", ["uint256"], [0x11n]), "Panic(17 (arithmetic overflow or underflow))"],
  ];
  for (const [name, data, expected] of cases)
    it(`names ${name}`, function () {
      expect(describeRevert(decodeRevert(data))).to.equal(expected);
    });

  it("names the vault's enums in arguments (band and tier as names, as everywhere else)", function () {
    const data = contractInterface("IDeltaNeutralVault").encodeErrorResult("RebalanceNotAllowed", [
      "0x0000000000000000000000000000000000000001",
      2,
      1,
    ]);
    expect(describeRevert(decodeRevert(data))).to.equal(
      "RebalanceNotAllowed(0x0000000000000000000000000000000000000001, MarginLow, Soft)",
    );
  });

  it("decodes a revert bubbled inside Multicall3CallFailed", function () {
    const inner = contractInterface("PerpMarket").encodeErrorResult("FillPriceOutOfBounds", [1n, 2n]);
    const outer = contractInterface("Multicall3").encodeErrorResult("Multicall3CallFailed", [4n, inner]);
    expect(describeRevert(decodeRevert(outer))).to.equal("Multicall3CallFailed(4, FillPriceOutOfBounds(1, 2))");
  });

  it("unknown data is kept whole, never truncated", function () {
    const data = `0xdeadbeef${"ab".repeat(100)}`;
    expect(describeRevert(decodeRevert(data))).to.equal(`unknown revert ${data}`);
  });

  it("every error of every compiled contract is known (none hand-kept)", function () {
    for (const name of ["DeltaNeutralVault", "PerpMarket", "PerpMarketAdapter", "UniswapV3SpotVenue", "OracleLib"]) {
      const iface: Interface = contractInterface(name);
      iface.forEachError((e) => expect(errorRegistry().get(e.selector), `${name}.${e.name}`).to.not.equal(undefined));
    }
    // The same error declared by several contracts is one entry naming them all.
    const zero = errorRegistry().get(selector("ZeroAddress()"))?.[0];
    expect(zero?.declaredBy).to.include.members(["PerpMarket", "PerpMarketAdapter"]);
  });
});
