import { contractInterface } from "./artifacts.js";

/**
 * The interfaces the keeper calls, from the compiled artifacts: the whole vault surface
 * (IDeltaNeutralVault, whose errors are the vault's own), the Chainlink feed, Multicall3, the
 * vault's perp venue (IPerpVenue), the reference adapter's `orderBook()` getter
 * (PerpMarketAdapter: other venues have none) and the DelayedOrders book (with its `aggregator()`,
 * the feed its orders wait for).
 */
export const vaultInterface = contractInterface("IDeltaNeutralVault");
export const feedInterface = contractInterface("AggregatorV3Interface");
export const multicallInterface = contractInterface("Multicall3");
export const venueInterface = contractInterface("IPerpVenue");
export const adapterInterface = contractInterface("PerpMarketAdapter");
export const orderBookInterface = contractInterface("DelayedOrders");
