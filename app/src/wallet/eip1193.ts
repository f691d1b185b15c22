/** The wallet interfaces the page speaks: EIP-1193 providers, discovered with EIP-6963. */

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** EIP-6963 `EIP6963ProviderInfo`. */
export interface WalletInfo {
  uuid: string;
  name: string;
  /** A data URI (EIP-6963 requires one). */
  icon: string;
  rdns: string;
}

export interface WalletChoice {
  info: WalletInfo;
  provider: Eip1193Provider;
}

export const ANNOUNCE = "eip6963:announceProvider";
export const REQUEST = "eip6963:requestProvider";

/** EIP-1193 error codes a wallet returns (EIP-1193 "Provider Errors", EIP-3085/3326). */
export const WalletError = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  chainDisconnected: 4901,
  unrecognizedChain: 4902,
} as const;
