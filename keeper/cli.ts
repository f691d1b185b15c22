import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ZeroAddress } from "ethers";
import type { App } from "./app.js";
import { ArtifactsError } from "./chain/artifacts.js";
import { ConfigError, type KeeperConfig, loadConfig, redactedConfig } from "./config.js";
import type { StartupError } from "./keeper.js";
import { errorChain, createLogger, type Logger } from "./ops/log.js";
import { startHealthServer } from "./ops/health.js";
import { SignerError, loadSigner, type LoadedSigner } from "./signer.js";
import { formatOnceReport, formatStatusTable } from "./status-table.js";

/** Where the config is looked for when neither --config nor KEEPER_CONFIG names one. */
const DEFAULT_CONFIGS = ["keeper/keeper.config.json", "keeper/keeper.config.local.json"];

const USAGE = `Usage: npm run keeper -- <command> [options]

Commands:
  run      watch every vault, block by block, and rebalance when a band is breached
  once     evaluate every vault once at the latest block, act, wait for the outcome, print it, exit
  status   print each vault's state, bands and the keeper's decision as a table (no key needed, never sends)

Options:
  -c, --config <file>  JSON config file (default: $KEEPER_CONFIG, else the first of
                       ${DEFAULT_CONFIGS.join(", ")} that exists)
  -n, --dry-run        decide and simulate, never sign or send
  -h, --help           show this help

Environment: KEEPER_* variables override config fields (see keeper/README.md);
KEEPER_KEYSTORE_PASSWORD unlocks the keystore (else a prompt); KEEPER_PRIVATE_KEY is a raw key
for local chains only.

Exit codes: 0 ok; 1 bad config, key or start-up check (nothing was sent); 2 needs an operator:
a vault could not be read (e.g. a stale oracle), a simulation reverted abnormally or a rebalance failed.
SIGTERM or SIGINT stop \`run\` cleanly (an in-flight transaction is awaited); a second one exits at once.`;

type Command = "run" | "once" | "status";
export const EXIT = { ok: 0, startup: 1, attention: 2 } as const;

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
    return EXIT.startup;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.startup;
  }
  if (!["run", "once", "status"].includes(command) || positionals.length > 1) {
    process.stderr.write(`unknown command: ${positionals.join(" ")}\n\n${USAGE}\n`);
    return EXIT.startup;
  }
  const dryRun = values["dry-run"] ?? false;
  const configPath =
    values.config ?? (process.env.KEEPER_CONFIG || DEFAULT_CONFIGS.find((p) => existsSync(p)) || DEFAULT_CONFIGS[0]);

  let config: KeeperConfig;
  try {
    config = loadConfig(configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger("info").fatal({ err: err.message, configPath }, "invalid configuration; not starting");
    return EXIT.startup;
  }
  const log = createLogger(config.log.level);
  log.info({ command, dryRun, configPath, config: redactedConfig(config) }, "keeper starting");
  try {
    return await execute(command as Command, config, dryRun, log);
  } catch (err) {
    if ((err as Error).name === "StartupError" || err instanceof ArtifactsError) {
      log.fatal(
        { err: (err as Error).message, problems: (err as StartupError).problems },
        "start-up checks failed; not starting",
      );
      return EXIT.startup;
    }
    throw err;
  }
}

/** `status` needs no secret: the key's address if it is at hand, else none (soft decisions as an outsider). */
async function signerFor(command: Command, config: KeeperConfig, dryRun: boolean, log: Logger): Promise<LoadedSigner> {
  const addressOnly = dryRun || command === "status";
  try {
    return await loadSigner(config, { addressOnly });
  } catch (err) {
    if (err instanceof SignerError && command === "status") {
      log.info(
        { reason: err.message },
        "status without a key: decisions shown as for an address without the KEEPER role",
      );
      return { address: ZeroAddress };
    }
    throw err;
  }
}

async function execute(command: Command, config: KeeperConfig, dryRun: boolean, log: Logger): Promise<number> {
  let signer;
  try {
    signer = await signerFor(command, config, dryRun, log);
  } catch (err) {
    if (!(err instanceof SignerError)) throw err;
    log.fatal({ err: err.message }, "cannot load the keeper key; not starting");
    return EXIT.startup;
  }
  log.info({ keeper: signer.address, signing: signer.wallet !== undefined }, "keeper key loaded");
  // Loaded here, not at the top: it reads the compiled ABIs, and a checkout without `npm run build`
  // should stop with a JSON line saying so (ArtifactsError), like every other start-up failure.
  const { createApp } = await import("./app.js");
  const app = createApp({ config, signer, log, dryRun, observeOnly: command === "status" });
  app.metrics.keyMinBalance.set(Number(config.gas.minBalance));
  await app.keeper.init();

  if (command === "status") {
    await app.keeper.tick();
    process.stdout.write(
      `${formatStatusTable(app.keeper.status(), app.keeper.lastBlockNumber, app.keeper.lastBlockTimestamp)}\n`,
    );
    return app.keeper.health().unreadable.length > 0 ? EXIT.attention : EXIT.ok;
  }
  if (command === "once") {
    await app.keeper.once();
    process.stdout.write(`${formatOnceReport(app.keeper.status(), app.keeper.outcomes, app.keeper.lastBlockNumber)}\n`);
    // A simulation that reverts for an abnormal reason (not WithinBands/RebalanceTooSoon) needs an
    // operator too; a lost race (another account executed the order or settled the round) does not.
    const failed = app.keeper.outcomes.some(
      ({ outcome: o, lostRace }) =>
        !lostRace &&
        (["reverted", "timeout", "send-failed", "nonce-taken"].includes(o.status) ||
          (o.status === "simulation-reverted" && !o.normal)),
    );
    return failed || app.keeper.health().unreadable.length > 0 ? EXIT.attention : EXIT.ok;
  }
  return runUntilStopped(app, config, log);
}

async function runUntilStopped(app: App, config: KeeperConfig, log: Logger): Promise<number> {
  const health = config.metrics.enabled
    ? await startHealthServer({
        host: config.metrics.host,
        port: config.metrics.port,
        maxPollAgeSeconds: config.metrics.maxPollAgeSeconds,
        maxHeadAgeSeconds: config.metrics.maxHeadAgeSeconds,
        metrics: app.metrics,
        source: app.keeper,
      })
    : undefined;
  if (health) log.info({ url: health.url }, "serving /metrics and /healthz");
  let signals = 0;
  const stop = (why: string) => {
    signals++;
    if (signals > 1) {
      log.warn({ why }, "second stop request: exiting now");
      process.exit(130);
    }
    log.info({ why }, "shutting down: no new decisions, waiting for any in-flight transaction");
    void app.keeper.stop();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // Under a wrapper that does not pass signals on (`npx`, a shell), the wrapper's death is ours too:
  // an orphaned keeper would hold the key while a restart starts a second one on it.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop(`parent process ${parent} exited`);
  }, 500);
  watch.unref();
  await app.keeper.run();
  await app.keeper.stop();
  clearInterval(watch);
  await new Promise<void>((resolve) => (health ? health.server.close(() => resolve()) : resolve()));
  log.info("keeper stopped");
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    createLogger("info").fatal({ err: errorChain(err) }, "keeper failed");
    process.exit(EXIT.startup);
  },
);
