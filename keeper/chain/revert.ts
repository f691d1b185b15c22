import { AbiCoder, dataSlice, isHexString } from "ethers";
import { BAND_NAMES, TIER_NAMES } from "../types.js";
import { type KnownError, loadErrorRegistry } from "./artifacts.js";

export interface DecodedRevert {
  /** The error's name (e.g. "WithinBands"), "Error" / "Panic" for built-ins, "Unknown" otherwise. */
  name: string;
  /** Decoded arguments as strings (bigints in decimal, nested reverts described). */
  args: string[];
  /** Contracts whose ABI declares the error (empty for built-ins and unknown data). */
  declaredBy: string[];
  /** The full revert data, never truncated. */
  data: string;
}

const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** Solidity's panic codes (https://docs.soliditylang.org/en/latest/control-structures.html#panic-via-assert-and-error-via-require). */
const PANIC_REASONS: Record<string, string> = {
  "0": "generic compiler panic",
  "1": "assert failed",
  "17": "arithmetic overflow or underflow",
  "18": "division or modulo by zero",
  "33": "invalid enum value",
  "34": "corrupt storage byte array",
  "49": "pop on an empty array",
  "50": "array index out of bounds",
  "65": "out of memory",
  "81": "call to an uninitialised function pointer",
};

let registry: Map<string, KnownError[]> | undefined;
/** Built on first use from the compiled artifacts (see loadErrorRegistry). */
export function errorRegistry(): Map<string, KnownError[]> {
  registry ??= loadErrorRegistry();
  return registry;
}

/** Finds revert data in a JSON-RPC error's `data` (a hex string, or nested under `data`). */
export function revertDataOf(data: unknown): string | undefined {
  if (typeof data === "string" && isHexString(data)) return data;
  if (typeof data === "object" && data !== null && "data" in data)
    return revertDataOf((data as { data: unknown }).data);
  return undefined;
}

/** Enums the keeper knows by name; others print as numbers. */
const ENUM_NAMES: Record<string, readonly string[]> = {
  "IDeltaNeutralVault.Band": BAND_NAMES,
  "IDeltaNeutralVault.Tier": TIER_NAMES,
};

function argToString(value: unknown, type: string, enumName?: string): string {
  const names = enumName === undefined ? undefined : ENUM_NAMES[enumName];
  if (names && typeof value === "bigint") return names[Number(value)] ?? String(value);
  // A `bytes` argument is often a bubbled revert (Multicall3CallFailed, SafeERC20 wrappers).
  if (type === "bytes" && typeof value === "string" && value.length >= 10) {
    const inner = decodeRevert(value);
    if (inner.name !== "Unknown") return describeRevert(inner);
  }
  if (Array.isArray(value)) return `[${value.map((v) => String(v)).join(", ")}]`;
  return String(value);
}

/** Names a revert with every error in the stack's artifacts, Error(string) or Panic(uint256). */
export function decodeRevert(data: string | undefined): DecodedRevert {
  const unknown = { name: "Unknown", args: [], declaredBy: [], data: data ?? "0x" };
  if (data === undefined || data.length < 10) return unknown;
  const selector = dataSlice(data, 0, 4);
  const body = dataSlice(data, 4);
  const coder = AbiCoder.defaultAbiCoder();
  try {
    if (selector === ERROR_STRING)
      return { ...unknown, name: "Error", args: coder.decode(["string"], body).map(String) };
    if (selector === PANIC) {
      const code = String(coder.decode(["uint256"], body)[0]);
      return { ...unknown, name: "Panic", args: [`${code} (${PANIC_REASONS[code] ?? "unknown panic code"})`] };
    }
  } catch {
    return unknown;
  }
  for (const known of errorRegistry().get(selector) ?? []) {
    try {
      const types = known.fragment.inputs.map((p) => p.type);
      const values = coder.decode(known.fragment.inputs, body);
      return {
        name: known.fragment.name,
        args: [...values].map((v, i) => argToString(v, types[i], known.enums[i])),
        declaredBy: known.declaredBy,
        data,
      };
    } catch {
      // arguments do not fit this signature: try the next one sharing the selector
    }
  }
  return unknown;
}

/** One line for logs and tables: `Name(args)`, or the full data when nothing matched. */
export function describeRevert(r: DecodedRevert): string {
  return r.name === "Unknown" ? `unknown revert ${r.data}` : `${r.name}(${r.args.join(", ")})`;
}
