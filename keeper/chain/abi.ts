import { contractInterface } from "./artifacts.js";

/**
 * The interfaces the keeper calls, from the compiled artifacts: the whole vault surface
 * (IDeltaNeutralVault, whose errors are the vault's own), the Chainlink feed and Multicall3.
 */
export const vaultInterface = contractInterface("IDeltaNeutralVault");
export const feedInterface = contractInterface("AggregatorV3Interface");
export const multicallInterface = contractInterface("Multicall3");
