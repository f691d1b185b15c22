import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../keeper/config.js";

const VAULT = "0x68B1D87F95878fE05B998F19b66F4baba5De1aed";
const OTHER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("keeper config: vaults from a deployment file", function () {
  const dir = mkdtempSync(join(tmpdir(), "keeper-deployment-"));
  const base = {
    rpc: { urls: ["http://127.0.0.1:8545"] },
    signer: { type: "privateKeyEnv" },
    gas: { maxFeePerGas: "50 gwei", priorityFeePerGas: "1 gwei" },
  };
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("adds the deployed vaults and takes the chain id from the file", function () {
    const deployment = write("addresses.json", { chainId: 31337, vaults: [{ name: "Delta Vault", address: VAULT }] });
    const cfg = loadConfig(write("a.json", { ...base, deployment }), {});
    expect(cfg.chainId).to.equal(31337);
    expect(cfg.vaults).to.have.length(1);
    expect(cfg.vaults[0].address.toLowerCase()).to.equal(VAULT.toLowerCase());
    expect(cfg.vaults[0].name).to.equal("Delta-Vault");
    expect(cfg.vaults[0].policy.kind).to.equal("threshold");
  });

  it("keeps explicitly listed vaults (and their policy) ahead of the file's", function () {
    const deployment = write("b-addresses.json", { chainId: 31337, vaults: [{ name: "x", address: VAULT }] });
    const cfg = loadConfig(
      write("b.json", {
        ...base,
        deployment,
        vaults: [
          { name: "mine", address: VAULT, policy: { kind: "time", minIntervalSeconds: 60 } },
          { name: "other", address: OTHER },
        ],
      }),
      {},
    );
    expect(cfg.vaults.map((v) => v.name)).to.deep.equal(["mine", "other"]);
    expect(cfg.vaults[0].policy.kind).to.equal("time");
  });

  it("a missing deployment file stops start-up naming the field and the next step", function () {
    expect(() =>
      loadConfig(write("c.json", { ...base, chainId: 31337, deployment: join(dir, "nope.json") }), {}),
    ).to.throw(/deployment: cannot read .*nope\.json \(run the deploy script first\)/);
  });

  it("a file without a vaults list is rejected", function () {
    const deployment = write("d-addresses.json", { chainId: 31337 });
    expect(() => loadConfig(write("d.json", { ...base, deployment }), {})).to.throw(
      /deployment: .* has no "vaults" list/,
    );
  });
});
