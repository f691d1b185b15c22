import { parseArgs } from "node:util";
import { createApp } from "./app.js";
import { ConfigError, type KeeperConfig, loadConfig, redactedConfig } from "./config.js";
import { errorChain, createLogger } from "./ops/log.js";
import { startHealthServer } from "./ops/health.js";
import { SignerError, loadSigner } from "./signer.js";
import { formatStatusTable } from "./status-table.js";

const USAGE = `Usage: npm run keeper -- <command> [options]

Commands:
  run      watch every vault, block by block, and rebalance when a band is breached
  once     evaluate every vault once at the latest block, act, wait for the outcome, exit
  status   print each vault's state, bands and the keeper's decision as a table (never sends)

Options:
  -c, --config <file>  JSON config file (default: $KEEPER_CONFIG or keeper/keeper.config.json)
  -n, --dry-run        decide and simulate, never sign or send
  -h, --help           show this help

Environment: KEEPER_* variables override config fields (see keeper/README.md);
KEEPER_KEYSTORE_PASSWORD unlocks the keystore (else a prompt); KEEPER_PRIVATE_KEY is a raw key
for local chains only.

Exit codes: 0 ok, 1 bad config / key / startup failure, 2 a rebalance failed (once).`;

type Command = "run" | "once" | "status";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        "dry-run": { type: "boolean", short: "n", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 1;
  }
  if (!["run", "once", "status"].includes(command) || positionals.length > 1) {
    process.stderr.write(`unknown command: ${positionals.join(" ")}\n\n${USAGE}\n`);
    return 1;
  }
  const dryRun = values["dry-run"] ?? false;
  const configPath = values.config ?? process.env.KEEPER_CONFIG ?? "keeper/keeper.config.json";

  let config: KeeperConfig;
  try {
    config = loadConfig(configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    createLogger("error", undefined).fatal({ err: err.message }, "invalid configuration; not starting");
    return 1;
  }
  const log = createLogger(config.log.level);
  log.info({ command, dryRun, config: redactedConfig(config) }, "keeper starting");
  return execute(command as Command, config, dryRun, log);
}

async function execute(command: Command, config: KeeperConfig, dryRun: boolean, log: ReturnType<typeof createLogger>) {
  let signer;
  try {
    signer = await loadSigner(config, { addressOnly: dryRun || command === "status" });
  } catch (err) {
    if (!(err instanceof SignerError)) throw err;
    log.fatal({ err: err.message }, "cannot load the keeper key; not starting");
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  log.info({ keeper: signer.address, signing: signer.wallet !== undefined }, "keeper key loaded");
  const app = createApp({ config, signer, log, dryRun, observeOnly: command === "status" });
  await app.keeper.init();

  if (command === "status") {
    await app.keeper.tick();
    process.stdout.write(`${formatStatusTable(app.keeper.status(), app.keeper.lastBlockNumber)}\n`);
    return 0;
  }
  if (command === "once") {
    await app.keeper.once();
    const failed = app.keeper.outcomes.filter((o) =>
      ["reverted", "timeout", "send-failed", "nonce-taken"].includes(o.outcome.status),
    );
    return failed.length > 0 ? 2 : 0;
  }

  const health = config.metrics.enabled
    ? await startHealthServer({
        host: config.metrics.host,
        port: config.metrics.port,
        maxBlockAgeSeconds: config.metrics.maxBlockAgeSeconds,
        metrics: app.metrics,
        source: app.keeper,
      })
    : undefined;
  if (health) log.info({ url: health.url }, "serving /metrics and /healthz");
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    log.info({ signal }, "shutting down: no new decisions, waiting for any in-flight transaction");
    void app.keeper.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await app.keeper.run();
  await app.keeper.stop();
  await new Promise<void>((resolve) => (health ? health.server.close(() => resolve()) : resolve()));
  log.info("keeper stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`keeper failed: ${errorChain(err)}\n`);
    process.exitCode = 1;
  },
);
