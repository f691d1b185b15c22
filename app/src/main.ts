/**
 * The depositor page: connects an injected wallet, reads the vault on every new block, and runs
 * the deposit and withdraw forms. Reads go through the page's own server (`/rpc`), writes through
 * the wallet; the page calls nothing outside its origin.
 */
import "./style.css";
import abis from "virtual:stack-abis";
import { BrowserProvider, JsonRpcProvider, toQuantity, type InterfaceAbi } from "ethers";
import { renderChart } from "./chart.js";
import { loadConfig } from "./config.js";
import { createRevertDecoder } from "./revert.js";
import { formatAmount, formatDuration, shortAddress } from "./units.js";
import { createVaultClient, type HistoryPoint } from "./vault.js";
import { discoverWallets } from "./wallet/discovery.js";
import { WalletError, type WalletChoice } from "./wallet/eip1193.js";
import { byId, h } from "./view/dom.js";
import { setupForms } from "./view/forms.js";
import { renderNotices, renderPosition, renderVaultState, type Notice, type Snapshot } from "./view/panels.js";

interface Connection {
  choice: WalletChoice;
  address: string;
  chainId: number;
}

async function boot() {
  const config = await loadConfig();
  const reader = new JsonRpcProvider(new URL(config.rpcPath, location.href).href, config.chainId, {
    staticNetwork: true,
    pollingInterval: 1_000,
  });
  const client = await createVaultClient(reader, config.deployment.vault);
  const meta = await client.meta();
  let snapshot: Snapshot | undefined;
  let connection: Connection | undefined;
  let walletNotice: Notice | undefined;
  /** The newest block's time: "ago" in decoded errors is measured on the chain's clock. */
  let chainNow = BigInt(Math.floor(Date.now() / 1000));
  const decoder = createRevertDecoder(Object.values(abis) as InterfaceAbi[], {
    assets: (v) => `${formatAmount(v, meta.assetDecimals, 2)} ${meta.assetSymbol}`,
    shares: (v) => `${formatAmount(v, meta.shareDecimals, 6)} ${meta.shareSymbol}`,
    ago: (t) => `${formatDuration(chainNow - t)} ago`,
  });

  byId("vault-name").textContent = `${meta.name} (${meta.shareSymbol})`;
  document.title = `${meta.name}: deposit and withdraw`;
  byId("network").textContent =
    config.mode === "embedded"
      ? `Local chain ${config.chainId} (in-process), with a funded test wallet`
      : `${config.network}, chain ${config.chainId}`;
  byId("contracts").replaceChildren(
    h(
      "p",
      {},
      `Vault ${client.addresses.vault} · ${meta.assetSymbol} ${client.addresses.asset} · price feed ${client.addresses.feed}`,
    ),
  );

  const onChain = () => connection !== undefined && connection.chainId === config.chainId;

  function blocked(): { deposit?: string; withdraw?: string } {
    if (!connection) return { deposit: "Connect a wallet to deposit.", withdraw: "Connect a wallet to withdraw." };
    if (!onChain()) {
      const r = `Switch your wallet to chain ${config.chainId} first.`;
      return { deposit: r, withdraw: r };
    }
    if (!snapshot) return { deposit: "Loading…", withdraw: "Loading…" };
    if (!snapshot.state) {
      const r =
        snapshot.stateError?.name === "OracleStalePrice"
          ? "Closed until the price feed updates (see the notice above)."
          : `The vault cannot be read now: ${snapshot.stateError?.sentence ?? "unknown error"}`;
      return { deposit: r, withdraw: r };
    }
    const out: { deposit?: string; withdraw?: string } = {};
    if (snapshot.state.paused)
      out.deposit =
        "Deposits are paused by the vault's guardian (rebalances too). Withdrawals and redemptions still work.";
    else if (snapshot.maxDeposit === 0n)
      out.deposit = "The deposit cap is reached: the vault takes no new deposits. Withdrawals still work.";
    if (snapshot.account && snapshot.account.shares === 0n) out.withdraw = "You hold no shares of this vault yet.";
    return out;
  }

  async function signer() {
    if (!connection) throw new Error("connect a wallet first");
    const browser = new BrowserProvider(connection.choice.provider, config.chainId);
    return { signer: await browser.getSigner(connection.address), address: connection.address };
  }

  const forms = setupForms({ meta, client, decoder, reader, snapshot: () => snapshot, blocked, signer, refresh });

  // Wallets -------------------------------------------------------------------------------
  let wallets: WalletChoice[] = [];
  function renderWallets() {
    const status = byId("wallet-status");
    const list = byId("wallet-list");
    if (connection) {
      status.textContent = `Connected with ${connection.choice.info.name}: ${shortAddress(connection.address)}`;
      list.replaceChildren();
      return;
    }
    status.textContent = wallets.length
      ? "No wallet connected."
      : "No wallet found: install a browser wallet (EIP-6963).";
    list.replaceChildren(
      ...wallets.map((w) => {
        const b = h(
          "button",
          { type: "button", class: "primary" },
          h("img", { src: w.info.icon, alt: "", width: "20", height: "20" }),
          `Connect ${w.info.name}`,
        );
        b.addEventListener("click", () => void connect(w));
        return b;
      }),
    );
  }
  discoverWallets((found) => {
    wallets = found;
    renderWallets();
  });

  const listening = new WeakSet<object>();
  /** Follows the wallet's account and chain; events of a wallet the user has left are ignored. */
  function listen(provider: WalletChoice["provider"]) {
    listening.add(provider);
    provider.on?.("accountsChanged", (a) => {
      if (connection?.choice.provider !== provider) return;
      const next = (a as string[])[0];
      connection = next ? { ...connection, address: next } : undefined;
      renderWallets();
      void refresh();
    });
    provider.on?.("chainChanged", (id) => {
      if (connection?.choice.provider !== provider) return;
      connection = { ...connection, chainId: Number(id) };
      void refresh();
    });
  }

  async function connect(choice: WalletChoice) {
    walletNotice = undefined;
    try {
      const accounts = (await choice.provider.request({ method: "eth_requestAccounts" })) as string[];
      if (!accounts[0]) throw new Error("the wallet shared no account");
      const chainId = Number(await choice.provider.request({ method: "eth_chainId" }));
      connection = { choice, address: accounts[0], chainId };
      if (!listening.has(choice.provider)) listen(choice.provider);
    } catch (err) {
      walletNotice = {
        id: "wallet-error",
        kind: "error",
        text: `${choice.info.name}: ${decoder.explain(err).sentence}`,
      };
    }
    renderWallets();
    await refresh();
  }

  async function switchChain() {
    if (!connection) return;
    const provider = connection.choice.provider;
    const chainId = toQuantity(config.chainId);
    try {
      await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === WalletError.unrecognizedChain && config.walletRpcUrl) {
        await provider.request({
          method: "wallet_addEthereumChain",
          params: [
            {
              chainId,
              chainName: config.network,
              rpcUrls: [config.walletRpcUrl],
              nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
            },
          ],
        });
      } else {
        walletNotice = { id: "wallet-error", kind: "error", text: decoder.explain(err).sentence };
      }
    }
    connection = { ...connection, chainId: Number(await provider.request({ method: "eth_chainId" })) };
    await refresh();
  }

  // Reading the chain ---------------------------------------------------------------------
  const history = new Map<number, HistoryPoint>();
  let historyTo = -1;

  async function readSnapshot(): Promise<Snapshot> {
    // `send` asks the node itself (ethers' request cache could answer with an older block).
    const at = Number(await reader.send("eth_blockNumber", []));
    const block = await reader.getBlock(at);
    if (!block) throw new Error(`the node returned no block ${at}`);
    chainNow = BigInt(block.timestamp);
    const [stateResult, bands, maxSlippageBps, feed, depositCap, maxDeposit, account] = await Promise.all([
      client.state(at).then(
        (state) => ({ state }),
        (err: unknown) => ({ stateError: decoder.explain(err) }),
      ),
      client.bands(at),
      client.maxSlippageBps(at),
      client.feedRound(at),
      client.depositCap(at),
      client.maxDeposit(at).catch(() => undefined),
      connection ? client.account(connection.address, at) : Promise.resolve(undefined),
    ]);
    return {
      blockNumber: block.number,
      timestamp: BigInt(block.timestamp),
      ...stateResult,
      bands,
      maxSlippageBps,
      feed,
      depositCap,
      maxDeposit,
      account,
    };
  }

  function notices(): Notice[] {
    const out: Notice[] = [];
    if (walletNotice) out.push(walletNotice);
    if (connection && !onChain())
      out.push({
        id: "wrong-chain",
        kind: "warn",
        text: `Your wallet is on chain ${connection.chainId}; this vault is on chain ${config.chainId} (${config.network}).`,
        action: { label: `Switch to chain ${config.chainId}`, run: () => void switchChain() },
      });
    if (!snapshot) return out;
    if (!snapshot.state) {
      const stale = snapshot.stateError?.name === "OracleStalePrice";
      out.push({
        id: stale ? "stale-oracle" : "unreadable",
        kind: "error",
        text: stale
          ? `${snapshot.stateError!.sentence} What still works: your balances below are read directly, your shares stay yours and can be transferred, and every flow resumes as soon as the feed updates. Deposits, withdrawals and rebalances are refused until then.`
          : `The vault cannot be read: ${snapshot.stateError?.sentence ?? "unknown error"}`,
      });
      return out;
    }
    if (snapshot.state.paused)
      out.push({
        id: "paused",
        kind: "warn",
        text: "The vault is paused by its guardian: deposits and rebalances are stopped. Withdrawals and redemptions still work.",
      });
    else if (snapshot.maxDeposit === 0n)
      out.push({
        id: "cap-reached",
        kind: "info",
        text: "The deposit cap is reached: no new deposits until someone withdraws or the admin raises it.",
      });
    return out;
  }

  async function updateChart() {
    if (!snapshot) return;
    const from = historyTo < 0 ? Math.max(0, snapshot.blockNumber - config.historyBlocks) : historyTo + 1;
    if (from <= snapshot.blockNumber) {
      try {
        for (const p of await client.history(from, snapshot.blockNumber)) history.set(p.block, p);
        historyTo = snapshot.blockNumber;
      } catch (err) {
        // Some public nodes limit log queries: the rest of the page works without the chart.
        byId("chart").textContent = `The chart is unavailable: ${decoder.explain(err).sentence}`;
        return;
      }
    }
    const points = [...history.values()]
      .sort((a, b) => a.block - b.block)
      .slice(-60)
      .map((p) => ({
        timestamp: p.timestamp,
        sharePrice: Number(p.sharePrice) / 10 ** meta.assetDecimals,
        spotPrice: Number(p.feedAnswer) / 10 ** snapshot!.feed.decimals,
        rebalanced: p.rebalanced,
      }));
    byId("chart").innerHTML = renderChart(points, { share: meta.assetSymbol, spot: "USD" });
  }

  let refreshing: Promise<void> | undefined;
  let again = false;
  async function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        snapshot = await readSnapshot();
        renderNotices(notices());
        renderPosition(meta, snapshot.account, connection !== undefined);
        renderVaultState(meta, snapshot);
        forms.update();
        document.body.dataset.block = String(snapshot.blockNumber);
        await updateChart();
      } catch (err) {
        renderNotices([
          ...notices(),
          { id: "read-error", kind: "error", text: `Reading the chain failed: ${decoder.explain(err).sentence}` },
        ]);
      }
    })();
    await refreshing;
    refreshing = undefined;
    if (again) {
      again = false;
      await refresh();
    }
  }

  await refresh();
  await reader.on("block", () => void refresh());
  document.body.dataset.ready = "true";
}

boot().catch((err) => {
  document.getElementById("notices")?.replaceChildren(
    Object.assign(document.createElement("div"), {
      className: "notice error",
      textContent: `The page could not start: ${err instanceof Error ? err.message : String(err)}`,
    }),
  );
});
