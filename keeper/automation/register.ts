/**
 * Chainlink Automation as the second line behind the keeper bot: registers a vault as a
 * custom-logic (conditional) upkeep through the Automation registrar, then grants the upkeep's
 * forwarder (the address that calls `performUpkeep`) the vault's KEEPER role. The ABIs are
 * Chainlink's own, from @chainlink/contracts 1.2.0 (abi/v0.8).
 */
import { createRequire } from "node:module";
import { Contract, type InterfaceAbi, type Signer, ZeroAddress, getAddress } from "ethers";
import { contractInterface } from "../chain/artifacts.js";

const require = createRequire(import.meta.url);
const chainlinkAbi = (name: string): InterfaceAbi => {
  const json = require(`@chainlink/contracts/abi/v0.8/${name}.json`) as InterfaceAbi | { abi: InterfaceAbi };
  return Array.isArray(json) ? json : (json as { abi: InterfaceAbi }).abi;
};
const REGISTRAR_ABIS = { "2.1": chainlinkAbi("AutomationRegistrar2_1"), "2.3": chainlinkAbi("AutomationRegistrar2_3") };
const REGISTRY_ABI = chainlinkAbi("IKeeperRegistryMaster");
const LINK_ABI = chainlinkAbi("LinkTokenInterface");
/** Chainlink's conditional trigger: the registry simulates `checkUpkeep` (custom logic). */
const CONDITIONAL = 0;

export interface AutomationContracts {
  registrar: string;
  registry: string;
  link: string;
}

export interface RegisterOptions {
  /** The vault's owner: it pays the LINK and grants the role. */
  signer: Signer;
  vault: string;
  automation: AutomationContracts;
  /** LINK (juels) funding the upkeep. */
  amount: bigint;
  /** Gas the registry gives each `performUpkeep` (a rebalance); Chainlink caps it per network. */
  gasLimit: number;
  name: string;
  /** The upkeep's admin (tops it up, cancels it); the signer by default. */
  admin?: string;
  log?: (line: string) => void;
}

export interface Registration {
  upkeepId: bigint;
  forwarder: string;
  registrarVersion: string;
  transactions: { step: string; hash: string }[];
}

export class AutomationError extends Error {
  override name = "AutomationError";
}

/** "AutomationRegistrar 2.1.0" → "2.1"; other versions are refused rather than guessed. */
export function registrarVersion(typeAndVersion: string): keyof typeof REGISTRAR_ABIS {
  const m = /^AutomationRegistrar (\d+\.\d+)\.\d+$/.exec(typeAndVersion);
  const v = m?.[1];
  if (v !== "2.1" && v !== "2.3")
    throw new AutomationError(
      `registrar reports "${typeAndVersion}"; this command knows AutomationRegistrar 2.1 and 2.3`,
    );
  return v;
}

/**
 * Registers `vault` and grants its forwarder the KEEPER role. Checks first, so nothing is spent
 * when the signer does not own the vault or lacks the LINK.
 */
export async function registerVaultUpkeep(o: RegisterOptions): Promise<Registration> {
  const log = o.log ?? (() => undefined);
  const me = await o.signer.getAddress();
  const vault = new Contract(o.vault, contractInterface("DeltaNeutralVault"), o.signer);
  const owner = getAddress(await vault.owner());
  if (owner !== me)
    throw new AutomationError(`the signer ${me} is not the vault's owner (${owner}); setKeeper would revert`);
  const link = new Contract(o.automation.link, LINK_ABI, o.signer);
  const balance = (await link.balanceOf(me)) as bigint;
  if (balance < o.amount) throw new AutomationError(`the signer holds ${balance} LINK juels, ${o.amount} needed`);

  const probe = new Contract(o.automation.registrar, ["function typeAndVersion() view returns (string)"], o.signer);
  const version = registrarVersion(await probe.typeAndVersion());
  const registrar = new Contract(o.automation.registrar, REGISTRAR_ABIS[version], o.signer);
  const txs: Registration["transactions"] = [];
  const send = async (step: string, tx: Promise<{ hash: string; wait(): Promise<unknown> }>) => {
    const sent = await tx;
    log(`${step}: ${sent.hash}`);
    await sent.wait();
    txs.push({ step, hash: sent.hash });
    return sent;
  };

  await send("approve LINK", link.approve(o.automation.registrar, o.amount));
  const common = {
    name: o.name,
    encryptedEmail: "0x",
    upkeepContract: o.vault,
    gasLimit: o.gasLimit,
    adminAddress: o.admin ?? me,
    triggerType: CONDITIONAL,
    checkData: "0x",
    triggerConfig: "0x",
    offchainConfig: "0x",
    amount: o.amount,
  };
  // 2.3 adds the billing token (LINK here); field order differs, so each version gets its struct.
  const params = version === "2.3" ? { ...common, billingToken: o.automation.link } : common;
  const sent = await send("registerUpkeep", registrar.registerUpkeep(params));
  const receipt = await o.signer.provider?.getTransactionReceipt(sent.hash);
  const approved = receipt?.logs
    .filter((l) => getAddress(l.address) === getAddress(o.automation.registrar))
    .map((l) => registrar.interface.parseLog(l))
    .find((e) => e?.name === "RegistrationApproved");
  if (!approved)
    throw new AutomationError(
      `registration ${sent.hash} is pending the registrar's manual approval (no RegistrationApproved): ` +
        "grant the KEEPER role once it is approved",
    );
  const upkeepId = approved.args.upkeepId as bigint;
  const registry = new Contract(o.automation.registry, REGISTRY_ABI, o.signer);
  const forwarder = getAddress(await registry.getForwarder(upkeepId));
  if (forwarder === ZeroAddress) throw new AutomationError(`the registry has no forwarder for upkeep ${upkeepId}`);
  await send("setKeeper(forwarder)", vault.setKeeper(forwarder, true));
  if (!(await vault.isKeeper(forwarder)))
    throw new AutomationError(`forwarder ${forwarder} did not get the KEEPER role`);
  return { upkeepId, forwarder, registrarVersion: version, transactions: txs };
}
