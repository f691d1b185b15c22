import { readFileSync } from "node:fs";
import { Wallet, getAddress } from "ethers";
import { type KeeperConfig, SECRET_ENV } from "./config.js";

export class SignerError extends Error {
  override name = "SignerError";
}

export interface LoadedSigner {
  address: string;
  /** Absent when only the address was needed (status, dry run). */
  wallet?: Wallet;
}

export type PasswordSource = () => Promise<string>;

/** Reads a password from the terminal without echoing it. */
export async function promptPassword(prompt: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) throw new SignerError(`no ${SECRET_ENV.keystorePassword} set and stdin is not a terminal`);
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let value = "";
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          done();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          done();
          reject(new SignerError("password prompt interrupted"));
          return;
        }
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

function readKeystore(path: string): { json: string; address: string } {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (cause) {
    throw new SignerError(`cannot read keystore ${path}`, { cause });
  }
  try {
    const { address } = JSON.parse(json) as { address?: string };
    if (typeof address !== "string") throw new Error("no address field");
    return { json, address: getAddress(address.startsWith("0x") ? address : `0x${address}`) };
  } catch (cause) {
    throw new SignerError(`keystore ${path} is not an encrypted JSON keystore`, { cause });
  }
}

/**
 * Loads the keeper's key. A keystore needs its password (env KEEPER_KEYSTORE_PASSWORD, else a
 * prompt); a raw key (env KEEPER_PRIVATE_KEY) is accepted on local chains only (the config schema
 * enforces it). With `addressOnly`, no secret is touched: a keystore's address is in the clear.
 * Errors never contain the key or the password.
 */
export async function loadSigner(
  config: KeeperConfig,
  opts: { addressOnly: boolean; env?: NodeJS.ProcessEnv; password?: PasswordSource },
): Promise<LoadedSigner> {
  const env = opts.env ?? process.env;
  if (config.signer.type === "keystore") {
    const { json, address } = readKeystore(config.signer.path);
    if (opts.addressOnly) return { address };
    const password =
      env[SECRET_ENV.keystorePassword] ?? (await (opts.password ?? (() => promptPassword("Keystore password: ")))());
    let wallet: Wallet;
    try {
      wallet = (await Wallet.fromEncryptedJson(json, password)) as Wallet;
    } catch {
      throw new SignerError(`keystore ${config.signer.path}: wrong password (could not decrypt the key)`);
    }
    return { address: wallet.address, wallet };
  }
  const key = env[SECRET_ENV.privateKey];
  if (!key) throw new SignerError(`signer.type is privateKeyEnv but ${SECRET_ENV.privateKey} is not set`);
  let wallet: Wallet;
  try {
    wallet = new Wallet(key.startsWith("0x") ? key : `0x${key}`);
  } catch {
    throw new SignerError(`${SECRET_ENV.privateKey} is not a valid private key`);
  }
  return { address: wallet.address, wallet: opts.addressOnly ? undefined : wallet };
}
