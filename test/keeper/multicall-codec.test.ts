import { expect } from "chai";
import { getAddress, hexlify, randomBytes } from "ethers";
import { multicallInterface, vaultInterface } from "../../keeper/chain/abi.js";
import { decodeAggregate3, encodeAggregate3, staticStructDecoder } from "../../keeper/chain/multicall-codec.js";
import { toVaultState } from "../../keeper/chain/reader.js";

/** Deterministic pseudo-random bytes, so a failure reproduces. */
function seeded(seed: number) {
  let x = seed;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      out[i] = x & 0xff;
    }
    return out;
  };
}

describe("keeper's Multicall3 codec agrees with ethers' ABI coder", function () {
  const bytes = seeded(42);
  const sizes = [0, 1, 4, 31, 32, 33, 36, 100, 577];

  it("aggregate3 calldata, 200 random batches (empty, odd-length and word-sized payloads)", function () {
    const selector = multicallInterface.getFunction("aggregate3")?.selector as string;
    for (let round = 0; round < 200; round++) {
      const calls = Array.from({ length: round % 7 }, (_, i) => ({
        target: getAddress(hexlify(bytes(20))),
        allowFailure: (round + i) % 2 === 0,
        callData: hexlify(bytes(sizes[(round + i) % sizes.length])),
      }));
      expect(encodeAggregate3(selector, calls)).to.equal(multicallInterface.encodeFunctionData("aggregate3", [calls]));
    }
  });

  it("aggregate3 answers, 200 random batches", function () {
    for (let round = 0; round < 200; round++) {
      const results = Array.from({ length: round % 9 }, (_, i) => ({
        success: (round * i) % 3 !== 0,
        returnData: hexlify(bytes(sizes[(round + 2 * i) % sizes.length])),
      }));
      const data = multicallInterface.encodeFunctionResult("aggregate3", [results]);
      expect(decodeAggregate3(data)).to.deep.equal(results);
    }
  });

  it("a truncated answer is refused, never read past its end", function () {
    const data = multicallInterface.encodeFunctionResult("aggregate3", [[{ success: true, returnData: "0x1234" }]]);
    expect(() => decodeAggregate3(data.slice(0, data.length - 64))).to.throw(/malformed answer/);
  });

  it("vaultState(): the fast decoder reads what ethers reads, signed delta included", function () {
    const fast = staticStructDecoder(vaultInterface.getFunction("vaultState") as never);
    expect(fast).to.not.equal(undefined);
    const fields = vaultInterface.getFunction("vaultState")?.outputs[0].components ?? [];
    for (let round = 0; round < 50; round++) {
      const values = fields.map((f, i) => {
        if (f.type === "bool") return round % 2 === 0;
        if (f.type === "uint8") return (round + i) % 5;
        if (f.type === "int256") return (round % 2 === 0 ? -1n : 1n) * BigInt(hexlify(randomBytes(16)));
        if (f.type === "address") return getAddress(hexlify(bytes(20)));
        return BigInt(hexlify(bytes(32)));
      });
      const data = vaultInterface.encodeFunctionResult("vaultState", [values]);
      const viaEthers = (
        vaultInterface.decodeFunctionResult("vaultState", data)[0] as { toObject(): object }
      ).toObject();
      expect(fast?.(data)).to.deep.equal(viaEthers); // every field, appended ones included
      expect(toVaultState(fast?.(data) as never)).to.deep.equal(toVaultState(viaEthers as never));
    }
  });
});
