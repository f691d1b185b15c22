/**
 * Fast ABI coding for the one hot path: Multicall3 `aggregate3` calldata and its
 * `(bool success, bytes returnData)[]` answer, and static structs such as `vaultState()`. ethers'
 * general coder spends about 3 ms per vault here, which at 1,000 vaults is longer than a block;
 * these handle only these layouts (standard ABI, checked against ethers in the tests) and fall
 * back to ethers for anything else.
 */
import { type FunctionFragment, type ParamType, getAddress } from "ethers";

const WORD = 64; // hex chars in a 32-byte word

const word = (n: bigint | number): string => BigInt(n).toString(16).padStart(WORD, "0");
const hexBody = (h: string): string => (h.startsWith("0x") ? h.slice(2) : h);
const padRight = (h: string): string => h.padEnd(Math.ceil(h.length / WORD) * WORD, "0");

export interface Call3 {
  target: string;
  allowFailure: boolean;
  callData: string;
}
export interface Call3Result {
  success: boolean;
  returnData: string;
}

/** `aggregate3(Call3[])` calldata, as ethers' Interface.encodeFunctionData would write it. */
export function encodeAggregate3(selector: string, calls: readonly Call3[]): string {
  const heads: string[] = [];
  const tails: string[] = [];
  let offset = calls.length * 32;
  for (const c of calls) {
    const data = hexBody(c.callData);
    const tuple =
      hexBody(c.target).toLowerCase().padStart(WORD, "0") +
      word(c.allowFailure ? 1 : 0) +
      word(0x60) +
      word(data.length / 2) +
      padRight(data);
    heads.push(word(offset));
    tails.push(tuple);
    offset += tuple.length / 2;
  }
  return `${selector}${word(0x20)}${word(calls.length)}${heads.join("")}${tails.join("")}`;
}

/** Decodes `aggregate3`'s return data; throws on anything that is not the standard layout. */
export function decodeAggregate3(data: string): Call3Result[] {
  const h = hexBody(data);
  const at = (byte: number): number => {
    const v = Number.parseInt(h.slice(byte * 2, byte * 2 + WORD), 16);
    if (!Number.isSafeInteger(v) || byte * 2 + WORD > h.length) throw new Error("aggregate3: malformed answer");
    return v;
  };
  const array = at(0);
  const n = at(array);
  const base = array + 32;
  const out: Call3Result[] = [];
  for (let i = 0; i < n; i++) {
    const tuple = base + at(base + i * 32);
    const success = at(tuple) === 1;
    const bytesAt = tuple + at(tuple + 32);
    const length = at(bytesAt);
    const start = (bytesAt + 32) * 2;
    if (start + length * 2 > h.length) throw new Error("aggregate3: malformed answer");
    out.push({ success, returnData: `0x${h.slice(start, start + length * 2)}` });
  }
  return out;
}

type WordDecoder = (w: string) => unknown;
function elementary(p: ParamType): WordDecoder | undefined {
  if (p.type === "bool") return (w) => w.endsWith("1");
  if (p.type === "address") return (w) => getAddress(`0x${w.slice(24)}`);
  if (/^uint\d*$/.test(p.type)) return (w) => BigInt(`0x${w}`);
  const int = /^int(\d*)$/.exec(p.type);
  if (int) {
    const bits = BigInt(int[1] || 256);
    return (w) => BigInt.asIntN(Number(bits), BigInt(`0x${w}`));
  }
  return undefined;
}

/**
 * A decoder for a function returning one struct of static elementary fields (e.g. `vaultState()`),
 * as a plain object keyed by field name; undefined when the layout is not that simple.
 */
export function staticStructDecoder(fn: FunctionFragment): ((data: string) => Record<string, unknown>) | undefined {
  const [out] = fn.outputs;
  if (fn.outputs.length !== 1 || !out.isTuple()) return undefined;
  const fields = out.components.map((c) => ({ name: c.name, decode: elementary(c) }));
  if (fields.some((f) => f.decode === undefined || f.name === "")) return undefined;
  return (data) => {
    const h = hexBody(data);
    if (h.length < fields.length * WORD) throw new Error(`${fn.name}(): answer too short`);
    const obj: Record<string, unknown> = {};
    fields.forEach((f, i) => (obj[f.name] = (f.decode as WordDecoder)(h.slice(i * WORD, (i + 1) * WORD))));
    return obj;
  };
}
