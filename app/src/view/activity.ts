/** The transaction log: each step shows waiting for the wallet, pending, mined or failed. */
import { shortAddress } from "../units.js";
import { byId, h } from "./dom.js";

export interface ActivityEntry {
  pending(hash: string): void;
  mined(block: number): void;
  failed(sentence: string): void;
}

export function startActivity(label: string): ActivityEntry {
  const status = h("span", { class: "state", "data-state": "signing" }, "waiting for your wallet…");
  const li = h("li", {}, h("span", { class: "label" }, `${label}: `), status);
  byId("activity").prepend(li);
  const set = (state: string, text: string) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  return {
    pending: (hash) => set("pending", `pending (${shortAddress(hash)})`),
    mined: (block) => set("mined", `mined in block ${block}`),
    failed: (sentence) => set("failed", `failed: ${sentence}`),
  };
}
