import { readFileSync } from "node:fs";
import { expect } from "chai";
import { ENV_OVERRIDES, configFields, configTable, parseConfig } from "../../keeper/config.js";
import { END, README, START } from "../../keeper/config-docs.js";

/** Table rows as trimmed cells, so prettier's column padding does not matter. */
const rows = (table: string) =>
  table
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|[\s|-]+\|$/.test(l))
    .map((l) =>
      l
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim()),
    );

describe("keeper config declared once", function () {
  it("keeper/README.md's table is the one the schema writes (npm run docs:keeper)", function () {
    const readme = readFileSync(README, "utf8");
    const section = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END));
    expect(rows(section)).to.deep.equal(rows(configTable()));
  });

  it("every field has a description; every override variable is unique and reaches its field", function () {
    const fields = configFields();
    expect(fields.length).to.be.greaterThan(25);
    for (const f of fields) expect(f.doc, f.path).to.match(/\w/);
    const names = ENV_OVERRIDES.map((o) => o.env);
    expect(new Set(names).size).to.equal(names.length);
    const cfg = parseConfig(
      { chainId: 31337, rpc: { urls: ["http://127.0.0.1:1"] }, gas: { maxFeePerGas: 1 }, vaults: [] },
      {
        KEEPER_VAULTS: '[{"name":"a","address":"0x5FbDB2315678afecb367f032d93F642f64180aa3"}]',
        KEEPER_MIN_BALANCE: "7",
        KEEPER_MAX_HEAD_AGE_SECONDS: "90",
      },
    );
    expect(cfg.vaults[0].name).to.equal("a");
    expect(cfg.gas.minBalance).to.equal(7n);
    expect(cfg.metrics.maxHeadAgeSeconds).to.equal(90);
  });
});
