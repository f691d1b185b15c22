/**
 * Finds every injected wallet: EIP-6963 announcements (several wallets side by side), and the
 * legacy `window.ethereum` when no announced wallet is the same object.
 */
import { ANNOUNCE, REQUEST, type Eip1193Provider, type WalletChoice } from "./eip1193.js";

const LEGACY_ICON =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" fill="#888"/></svg>',
  );

/** Calls `onChange` with the full list each time a wallet appears; returns a stop function. */
export function discoverWallets(onChange: (wallets: WalletChoice[]) => void): () => void {
  const byUuid = new Map<string, WalletChoice>();
  const emit = () => {
    const list = [...byUuid.values()];
    const legacy = (window as { ethereum?: Eip1193Provider }).ethereum;
    if (legacy && !list.some((w) => w.provider === legacy))
      list.push({ info: { uuid: "legacy", name: "Browser wallet", icon: LEGACY_ICON, rdns: "" }, provider: legacy });
    onChange(list);
  };
  const onAnnounce = (event: Event) => {
    const detail = (event as CustomEvent<WalletChoice>).detail;
    if (!detail?.info?.uuid || typeof detail.provider?.request !== "function") return;
    byUuid.set(detail.info.uuid, detail);
    emit();
  };
  window.addEventListener(ANNOUNCE, onAnnounce);
  window.dispatchEvent(new Event(REQUEST));
  emit();
  return () => window.removeEventListener(ANNOUNCE, onAnnounce);
}
