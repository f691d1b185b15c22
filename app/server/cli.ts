/**
 * `npm run app`: the depositor page.
 *
 *   npm run app                                              # in-process chain, local stack, test wallet
 *   npm run app -- --rpc URL --deployment deploy/addresses/<network>.json   # your node or a testnet
 *
 * With no arguments it starts a chain in this process, deploys the local stack, funds a fresh
 * test account, runs the real keeper and keeps the mock price feed fresh, and serves the page with
 * that account's test wallet injected. With --rpc it serves the page against a running node and
 * the user's own browser wallet.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { getAddress } from "ethers";
import type { AppConfig } from "../src/config.js";
import { buildApp } from "./build.js";
import { startAppServer } from "./server.js";

const DEFAULT_PORT = 5173;
const HISTORY_BLOCKS = 50_000;
const HELP = `npm run app -- [options]

  (no options)             in-process chain with the local stack and a funded test wallet
  --rpc <url>              serve against this JSON-RPC node instead (needs --deployment)
  --deployment <file>      addresses file written by the deploy script (deploy/addresses/<network>.json)
  --port <n>               port to serve on (default ${DEFAULT_PORT}, or a free one if it is taken)
  --host <address>         address to listen on (default 127.0.0.1)
  -h, --help               this help
`;

class UsageError extends Error {}

function readDeployment(path: string): { chainId: number; network: string; vault: string } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`cannot read the deployment file ${path}: ${(err as Error).message}`);
  }
  const address = (field: string) => {
    try {
      return getAddress(String(raw[field]));
    } catch {
      throw new UsageError(`${path}: "${field}" must be an address, got ${JSON.stringify(raw[field])}`);
    }
  };
  const chainId = Number(raw.chainId);
  if (!Number.isInteger(chainId) || chainId <= 0) throw new UsageError(`${path}: "chainId" must be a positive integer`);
  return {
    chainId,
    network: typeof raw.network === "string" ? raw.network : `chain ${chainId}`,
    vault: address("vault"),
  };
}

async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new UsageError(`the node at ${url} does not answer (${(err as Error).message})`);
  }
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new UsageError(`${method} failed at ${url}: ${body.error.message}`);
  return body.result;
}

async function serve(options: Parameters<typeof startAppServer>[0]) {
  try {
    return await startAppServer(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || options.port === 0) throw err;
    console.error(`app: port ${options.port} is taken; using a free one`);
    return startAppServer({ ...options, port: 0 });
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        rpc: { type: "string" },
        deployment: { type: "string" },
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0 to 65535, got "${args.port}"`);
  if ((args.rpc === undefined) !== (args.deployment === undefined))
    throw new UsageError("--rpc and --deployment go together (or give neither for the in-process chain)");

  if (args.rpc !== undefined && args.deployment !== undefined) {
    const deployment = readDeployment(resolve(args.deployment));
    const chainId = Number(await rpcCall(args.rpc, "eth_chainId"));
    if (chainId !== deployment.chainId)
      throw new UsageError(
        `the node at ${args.rpc} runs chain ${chainId}; ${args.deployment} is for chain ${deployment.chainId}`,
      );
    if ((await rpcCall(args.rpc, "eth_getCode", [deployment.vault, "latest"])) === "0x")
      throw new UsageError(`no contract at the vault address ${deployment.vault} on chain ${chainId}`);
    const config: AppConfig = {
      mode: "rpc",
      network: deployment.network,
      chainId,
      rpcPath: "/rpc",
      walletRpcUrl: args.rpc,
      historyBlocks: HISTORY_BLOCKS,
      deployment: { vault: deployment.vault },
    };
    const distDir = await buildApp();
    const server = await serve({ distDir, upstreamRpcUrl: args.rpc, config, host: args.host, port });
    console.log(`Depositor page for ${deployment.network} (chain ${chainId}): ${server.url}`);
    console.log("Open it in a browser with your wallet; Ctrl-C stops.");
    await waitForSignal();
    await server.close();
    return 0;
  }

  // The embedded default: Hardhat is loaded only here.
  const { network } = await import("hardhat");
  const { startLocalApp } = await import("./localChain.js");
  const { startLocalKeeper } = await import("./localKeeper.js");
  console.log("Starting an in-process chain and deploying the local stack…");
  const connection = await network.create();
  const local = await startLocalApp(connection, { eth: 10n ** 20n, assets: 100_000n * 10n ** 6n });
  const keeper = await startLocalKeeper(connection, local);
  const config: AppConfig = {
    mode: "embedded",
    network: "in-process",
    chainId: local.deployment.chainId,
    rpcPath: "/rpc",
    historyBlocks: HISTORY_BLOCKS,
    deployment: { vault: local.deployment.vault },
  };
  const distDir = await buildApp();
  const server = await serve({
    distDir,
    upstreamRpcUrl: local.rpcUrl,
    config,
    testWallet: { privateKey: local.testWallet.privateKey },
    host: args.host,
    port,
  });
  console.log(`Vault ${local.deployment.vault} on the in-process chain ${config.chainId}.`);
  console.log(`Test account ${local.testWallet.address}: 100 ETH and 100,000 USDC (test tokens).`);
  console.log(`Depositor page: ${server.url}  (the "Local test wallet" signs for the test account; Ctrl-C stops)`);
  await waitForSignal();
  await keeper.stop();
  await server.close();
  await local.close();
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(`app: ${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    console.error(`app: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
