/**
 * A real `hardhat node` as a child process on a free port, for the keeper's end-to-end tests and
 * its bench (the keeper then talks to a separate process over HTTP, as in production).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface NodeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Stops the node and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `hardhat node --port <port>` and resolves once it answers JSON-RPC. */
export async function startHardhatNode(port?: number): Promise<NodeProcess> {
  const p = port ?? (await freePort());
  const cli = join(dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
  const child = spawn(process.execPath, [cli, "node", "--port", String(p)], { stdio: "ignore" });
  const url = `http://127.0.0.1:${p}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
      if (res.ok) return { url, port: p, child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`hardhat node did not start on port ${p}`);
}
