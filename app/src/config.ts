/** What the server tells the page (`/app-config.json`): which chain and which contracts. */

export interface AppConfig {
  /** "embedded": in-process chain with a test wallet; "rpc": a node or testnet, the user's wallet. */
  mode: "embedded" | "rpc";
  network: string;
  chainId: number;
  /** Same-origin JSON-RPC endpoint the page reads through (the server forwards it to the node). */
  rpcPath: string;
  /** RPC URL a wallet may add for this chain (wallet_addEthereumChain), if one can be shared. */
  walletRpcUrl?: string;
  /** How many blocks back the chart looks for the vault's events. */
  historyBlocks: number;
  /** The vault; the page asks it for its asset, price feed and spot token. */
  deployment: { vault: string };
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch("/app-config.json");
  if (!res.ok) throw new Error(`the server gave no configuration (HTTP ${res.status})`);
  return (await res.json()) as AppConfig;
}
