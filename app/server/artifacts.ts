/**
 * The compiled artifacts whose ABIs the page uses: every contract a deposit or withdrawal can
 * touch (so any custom error it raises decodes), plus the feed and the ERC-20 surface of the asset.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const STACK_ARTIFACTS = {
  vault: "contracts/vault/DeltaNeutralVault.sol/DeltaNeutralVault.json",
  perpMarket: "contracts/perp/PerpMarket.sol/PerpMarket.json",
  perpAdapter: "contracts/perp/PerpMarketAdapter.sol/PerpMarketAdapter.json",
  spotVenue: "contracts/venues/UniswapV3SpotVenue.sol/UniswapV3SpotVenue.json",
  spotVenue02: "contracts/venues/UniswapV3SpotVenue02.sol/UniswapV3SpotVenue02.json",
  // The local stand-in for USDC: OpenZeppelin's ERC20 and its errors; the page calls only the
  // standard ERC-20 functions on it, so it serves for a real token too.
  token: "contracts/test/TestERC20.sol/TestERC20.json",
  aggregator: "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol/MockV3Aggregator.json",
} as const;

export type StackAbiName = keyof typeof STACK_ARTIFACTS;
export type StackAbis = Record<StackAbiName, unknown[]>;

/** Reads each artifact's ABI from `<artifactsDir>`; fails naming the file when the build is missing. */
export function readStackAbis(artifactsDir: string): StackAbis {
  const out = {} as StackAbis;
  for (const [name, path] of Object.entries(STACK_ARTIFACTS) as [StackAbiName, string][]) {
    const file = join(artifactsDir, path);
    let artifact: { abi: unknown[] };
    try {
      artifact = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`cannot read the compiled artifact ${path} (run \`npx hardhat build\` first)`, { cause: err });
    }
    out[name] = artifact.abi;
  }
  return out;
}
