/**
 * Builds the depositor page (index.html) and the test wallet that `npm run app` injects into it
 * on its in-process chain. The ABIs come from the compiled artifacts through a virtual module, so
 * the bundle carries the ABIs only (no bytecode) and follows every recompile.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { readStackAbis } from "./server/artifacts.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = resolve(HERE, "..", "artifacts");
const ABI_MODULE = "virtual:stack-abis";

function stackAbis(): Plugin {
  const resolved = `\0${ABI_MODULE}`;
  return {
    name: "stack-abis",
    resolveId: (id) => (id === ABI_MODULE ? resolved : undefined),
    load: (id) => (id === resolved ? `export default ${JSON.stringify(readStackAbis(ARTIFACTS))};` : undefined),
  };
}

export default defineConfig({
  root: HERE,
  base: "/",
  logLevel: "warn",
  plugins: [stackAbis()],
  build: {
    outDir: resolve(HERE, "dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1_000,
    rollupOptions: {
      input: {
        index: resolve(HERE, "index.html"),
        "test-wallet": resolve(HERE, "src/wallet/testWallet.ts"),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "test-wallet" ? "assets/test-wallet.js" : "assets/[name]-[hash].js"),
      },
    },
  },
});
