/**
 * What keeps the in-process chain of `npm run app` alive while a newcomer clicks around: the real
 * keeper (its own key, the KEEPER role, over JSON-RPC, as in the demo) deploys deposits when a
 * band is breached, and the mock Chainlink feed is re-posted at the same price before its
 * heartbeat runs out (on a real network Chainlink's nodes do that).
 */
import { Wallet } from "ethers";
import { createApp } from "../../keeper/app.js";
import { parseConfig } from "../../keeper/config.js";
import { createLogger } from "../../keeper/ops/log.js";
import { planDeployment } from "../../deploy/lib/deployStack.js";
import type { Connection, LocalApp } from "./localChain.js";

const TICK_MS = 10_000;

export async function startLocalKeeper(connection: Connection, local: LocalApp): Promise<{ stop(): Promise<void> }> {
  const { networkHelpers } = connection;
  const { vault, oracle } = local.stack;
  const keeperWallet = new Wallet(Wallet.createRandom().privateKey);
  await networkHelpers.setBalance(keeperWallet.address, 10n ** 20n);
  await (await vault.setKeeper(keeperWallet.address, true)).wait();
  const config = parseConfig(
    {
      chainId: local.deployment.chainId,
      rpc: { urls: [local.rpcUrl], timeoutMs: 10_000, cooldownMs: 1_000 },
      signer: { type: "privateKeyEnv" },
      gas: { maxFeePerGas: "100 gwei", priorityFeePerGas: "1 gwei", replaceAfterBlocks: 2, receiptTimeoutMs: 20_000 },
      loop: { pollIntervalMs: TICK_MS },
      metrics: { enabled: false },
      log: { level: "warn" },
      vaults: [{ name: "local", address: local.deployment.vault, policy: { kind: "threshold" } }],
    },
    {},
  );
  const app = createApp({
    config,
    signer: { address: keeperWallet.address, wallet: keeperWallet },
    log: createLogger("warn"),
  });
  await app.keeper.init();
  // The feed's heartbeat from the same parameter file the deployment used.
  const heartbeat = BigInt(planDeployment("default").parameters.LocalStack.heartbeat as number);

  let running = true;
  let wake: () => void = () => {};
  const tick = async () => {
    const [, answer, , updatedAt] = await oracle.latestRoundData();
    const now = BigInt(await networkHelpers.time.latest());
    if (now - updatedAt > heartbeat / 2n) await (await oracle.updateAnswer(answer)).wait();
    await app.keeper.once();
  };
  const loop = (async () => {
    while (running) {
      await tick().catch((err: unknown) => console.error(`app: local keeper: ${(err as Error).message}`));
      await new Promise<void>((r) => {
        const timer = setTimeout(r, TICK_MS);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  })();
  return {
    stop: async () => {
      running = false;
      wake();
      await loop;
    },
  };
}
