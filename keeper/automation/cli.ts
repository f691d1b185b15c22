/**
 * `npm run automation -- register ...`: registers a vault with Chainlink Automation and gives the
 * upkeep's forwarder the KEEPER role (see keeper/README.md, "Escalation").
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { JsonRpcProvider, Wallet, getAddress, parseUnits, type Signer } from "ethers";
import { resolveAutomation } from "../../deploy/params.js";
import { promptPassword } from "../signer.js";
import { AutomationError, registerVaultUpkeep, type AutomationContracts } from "./register.js";

const USAGE = `Usage: npm run automation -- register --vault <address> --rpc <url> [options]

Registers the vault as a custom-logic upkeep through the Chainlink Automation registrar, funds it
with LINK, and grants the upkeep's forwarder the vault's KEEPER role. Run it as the vault's owner.

Options:
  --network <name>       sepolia, arbitrumSepolia or baseSepolia: registrar, registry and LINK
                         from deploy/networks.json
  --registrar <a> --registry <a> --link-token <a>
                         the three addresses directly (a local chain)
  --link <amount>        LINK to fund the upkeep with (default 5)
  --gas-limit <n>        gas per performUpkeep (default 2000000)
  --name <text>          upkeep name (default "delta-neutral vault <address>")
  --keystore <file>      the owner's encrypted key (password: AUTOMATION_KEYSTORE_PASSWORD, else a prompt)
  --account <n>          an unlocked account of a local node instead of a keystore
  -h, --help`;

async function signerFrom(rpc: string, keystore: string | undefined, account: string | undefined): Promise<Signer> {
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
  if (keystore) {
    const password = process.env.AUTOMATION_KEYSTORE_PASSWORD ?? (await promptPassword("Owner keystore password: "));
    const wallet = await Wallet.fromEncryptedJson(readFileSync(keystore, "utf8"), password);
    return wallet.connect(provider);
  }
  if (account !== undefined) return provider.getSigner(Number(account));
  throw new AutomationError("give the owner's key: --keystore <file> (or --account <n> on a local node)");
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      vault: { type: "string" },
      rpc: { type: "string" },
      network: { type: "string" },
      registrar: { type: "string" },
      registry: { type: "string" },
      "link-token": { type: "string" },
      link: { type: "string", default: "5" },
      "gas-limit": { type: "string", default: "2000000" },
      name: { type: "string" },
      keystore: { type: "string" },
      account: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals[0] !== "register" || !values.vault || !values.rpc) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  let automation: AutomationContracts;
  if (values.network) {
    const resolved = resolveAutomation(JSON.parse(readFileSync("deploy/networks.json", "utf8")), values.network);
    automation = { registrar: resolved.registrar, registry: resolved.registry, link: resolved.link };
  } else if (values.registrar && values.registry && values["link-token"]) {
    automation = {
      registrar: getAddress(values.registrar),
      registry: getAddress(values.registry),
      link: getAddress(values["link-token"]),
    };
  } else throw new AutomationError("give --network, or all of --registrar, --registry and --link-token");
  const signer = await signerFrom(values.rpc, values.keystore, values.account);
  const vault = getAddress(values.vault);
  const result = await registerVaultUpkeep({
    signer,
    vault,
    automation,
    amount: parseUnits(values.link, 18),
    gasLimit: Number(values["gas-limit"]),
    name: values.name ?? `delta-neutral vault ${vault}`,
    log: (line) => console.log(line),
  });
  console.log(
    `upkeep ${result.upkeepId} (registrar ${result.registrarVersion}); forwarder ${result.forwarder} holds the KEEPER role`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`automation: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
