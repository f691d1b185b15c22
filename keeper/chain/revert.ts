import { AbiCoder, dataSlice, isHexString } from "ethers";
import { vaultInterface } from "./abi.js";

export interface DecodedRevert {
  /** The error's name (e.g. "WithinBands"), "Error" / "Panic" for built-ins, "Unknown" otherwise. */
  name: string;
  /** Decoded arguments as strings (bigints in decimal). */
  args: string[];
  data: string;
}

const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** Finds revert data in a JSON-RPC error's `data` (a hex string, or nested under `data`). */
export function revertDataOf(data: unknown): string | undefined {
  if (typeof data === "string" && isHexString(data)) return data;
  if (typeof data === "object" && data !== null && "data" in data)
    return revertDataOf((data as { data: unknown }).data);
  return undefined;
}

/** Names a revert with the vault's errors, Error(string) or Panic(uint256). */
export function decodeRevert(data: string | undefined): DecodedRevert {
  if (data === undefined || data.length < 10) return { name: "Unknown", args: [], data: data ?? "0x" };
  const selector = dataSlice(data, 0, 4);
  try {
    if (selector === ERROR_STRING)
      return {
        name: "Error",
        args: AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4)).map(String),
        data,
      };
    if (selector === PANIC)
      return {
        name: "Panic",
        args: AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4)).map(String),
        data,
      };
    const parsed = vaultInterface.parseError(data);
    if (parsed) return { name: parsed.name, args: parsed.args.map((a: unknown) => String(a)), data };
  } catch {
    // malformed arguments: fall through
  }
  return { name: "Unknown", args: [], data };
}

export function describeRevert(r: DecodedRevert): string {
  return r.name === "Unknown" ? `unknown revert ${r.data.slice(0, 74)}` : `${r.name}(${r.args.join(", ")})`;
}
