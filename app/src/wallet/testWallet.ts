/**
 * The test wallet `npm run app` injects on its in-process chain: an EIP-1193 provider announced
 * with EIP-6963 that signs with a funded local test key (never a key holding real value). It
 * behaves as a browser wallet does: nothing is signed before the page connects, it starts on
 * the chain the server names and switches on request, it refuses to sign on another chain, and
 * it broadcasts raw signed transactions; every other call goes to the node.
 */
import { JsonRpcProvider, Wallet, getBigInt, getBytes, isHexString, toQuantity, type TransactionRequest } from "ethers";
import { ANNOUNCE, REQUEST, WalletError, type Eip1193Provider, type WalletInfo } from "./eip1193.js";

interface TestWalletConfig {
  privateKey: string;
  /** The chain the node runs. */
  chainId: number;
  /** The chain the wallet starts on (another one tests the page's switch prompt). */
  startChainId: number;
  rpcPath: string;
}

class ProviderError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const INFO: WalletInfo = {
  uuid: crypto.randomUUID(),
  name: "Local test wallet",
  icon:
    "data:image/svg+xml," +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#1f6feb"/><path d="M6 8h12v8H6z" fill="#fff"/></svg>',
    ),
  rdns: "local.test-wallet",
};

function createTestWallet(config: TestWalletConfig): Eip1193Provider {
  const node = new JsonRpcProvider(new URL(config.rpcPath, location.href).href, config.chainId, {
    staticNetwork: true,
    batchMaxCount: 1,
  });
  const signer = new Wallet(config.privateKey, node);
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const emit = (event: string, value: unknown) => listeners.get(event)?.forEach((l) => l(value));
  let chainId = config.startChainId;
  let connected = false;

  const requireConnected = () => {
    if (!connected) throw new ProviderError(WalletError.unauthorized, "connect the wallet first");
  };

  async function sendTransaction(tx: Record<string, string | undefined>): Promise<string> {
    requireConnected();
    if (chainId !== config.chainId)
      throw new ProviderError(
        WalletError.chainDisconnected,
        `the wallet is on chain ${chainId}, not ${config.chainId}`,
      );
    if (tx.from && tx.from.toLowerCase() !== signer.address.toLowerCase())
      throw new ProviderError(WalletError.unauthorized, `this wallet cannot sign for ${tx.from}`);
    const request: TransactionRequest = { to: tx.to, data: tx.data, value: tx.value ? getBigInt(tx.value) : 0n };
    if (tx.gas) request.gasLimit = getBigInt(tx.gas);
    // Asked of the node each time: ethers' provider caches identical reads for a moment, which
    // would hand two quick transactions the same nonce.
    request.nonce = Number(await node.send("eth_getTransactionCount", [signer.address, "pending"]));
    try {
      return (await signer.sendTransaction(request)).hash;
    } catch (err) {
      // Estimation reverted: hand the revert data back as a node would (EIP-1474 code 3).
      const e = err as { data?: unknown; shortMessage?: string; message?: string };
      throw new ProviderError(3, e.shortMessage ?? e.message ?? "execution reverted", e.data);
    }
  }

  return {
    async request({ method, params }) {
      const args = (Array.isArray(params) ? params : []) as unknown[];
      switch (method) {
        case "eth_requestAccounts":
          if (!connected) {
            connected = true;
            emit("connect", { chainId: toQuantity(chainId) });
            emit("accountsChanged", [signer.address]);
          }
          return [signer.address];
        case "eth_accounts":
          return connected ? [signer.address] : [];
        case "eth_chainId":
          return toQuantity(chainId);
        case "net_version":
          return String(chainId);
        case "wallet_switchEthereumChain": {
          const wanted = Number((args[0] as { chainId: string }).chainId);
          if (wanted !== config.chainId && wanted !== config.startChainId)
            throw new ProviderError(WalletError.unrecognizedChain, `unrecognised chain ${wanted}`);
          if (wanted !== chainId) {
            chainId = wanted;
            emit("chainChanged", toQuantity(chainId));
          }
          return null;
        }
        case "eth_sendTransaction":
          return sendTransaction(args[0] as Record<string, string | undefined>);
        case "personal_sign":
          requireConnected();
          // personal_sign carries the message hex-encoded (EIP-1474); sign its bytes.
          return signer.signMessage(isHexString(args[0]) ? getBytes(args[0]) : String(args[0]));
        case "eth_sign":
        case "eth_signTransaction":
        case "eth_signTypedData_v4":
          throw new ProviderError(WalletError.unsupportedMethod, `${method} is not supported by the test wallet`);
        default:
          return node.send(method, args);
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
    },
  };
}

async function install() {
  const res = await fetch("/test-wallet.json", { cache: "no-store" });
  if (!res.ok) return; // served without a test wallet
  const provider = createTestWallet((await res.json()) as TestWalletConfig);
  const announce = () =>
    window.dispatchEvent(new CustomEvent(ANNOUNCE, { detail: Object.freeze({ info: INFO, provider }) }));
  window.addEventListener(REQUEST, announce);
  announce();
}

void install();
