import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { network } from "hardhat";
import { checkWithContracts, planDeployment, ROOT, type DeploymentPlan } from "../../deploy/lib/deployStack.js";
import { ParameterError } from "../../deploy/params.js";
import { createPreflightBench, preflightIssues, type PreflightParameters } from "../../deploy/preflight.js";

const { ethers } = await network.create();
const bench = await createPreflightBench(ethers);

const plan = planDeployment("localhost");
/** The committed local file's checked parameters; each test edits a copy. */
const committed = (): PreflightParameters => structuredClone(plan.preflight);
const issuesOf = (p: PreflightParameters) => preflightIssues(p, "LocalStack", bench);

/** A field the contracts check, where it sits in the file, and how to set it. */
interface Field {
  path: string;
  get(p: PreflightParameters): bigint;
  set(p: PreflightParameters, v: bigint): void;
  /** The widest value the file's type allows (the zod shape caps it). */
  typeMax: bigint;
}

function fieldsOf(p: PreflightParameters): Field[] {
  const grouped = (group: "bands" | "strategy", name: string, typeMax: bigint): Field => ({
    path: `${group}.${name}`,
    get: (q) => BigInt(q[group][name]),
    set: (q, v) => (q[group][name] = Number(v)),
    typeMax,
  });
  const UINT16 = 0xffffn;
  return [
    ...Object.keys(p.bands).map((n) => grouped("bands", n, UINT16)),
    ...Object.keys(p.strategy).map((n) => grouped("strategy", n, n === "minRebalanceInterval" ? 0xffff_ffffn : UINT16)),
    ...Object.keys(p.perpParams).map((n): Field => ({
      path: `perpParams.${n}`,
      get: (q) => q.perpParams[n],
      set: (q, v) => (q.perpParams[n] = v),
      typeMax: 2n ** 256n - 1n,
    })),
    ...(["managementFeeBps", "performanceFeeBps"] as const).map((n): Field => ({
      path: n,
      get: (q) => BigInt(q[n]),
      set: (q, v) => (q[n] = Number(v)),
      typeMax: UINT16,
    })),
  ];
}

/** The [min, max] a contract reported for `path`, parsed from the preflight's issue. */
function reportedBounds(issues: string[], path: string): [bigint, bigint] | undefined {
  const line = issues.find((i) => i.startsWith(`LocalStack.${path}: `));
  const m = line?.match(/is outside \[(\d+), (\d+)\] \(([\w.]+): ParameterOutOfBounds\)/);
  return m ? [BigInt(m[1]), BigInt(m[2])] : undefined;
}

describe("Deployment preflight: the contracts decide every bound", function () {
  this.timeout(300_000);

  it("accepts the committed local file", async function () {
    expect(await issuesOf(committed())).to.deep.equal([]);
  });

  it("accepts each committed testnet file's bounds", async function () {
    for (const net of ["sepolia", "arbitrumSepolia", "baseSepolia"]) {
      const raw = JSON.parse(readFileSync(join(ROOT, "ignition", "parameters", `${net}.json`), "utf8"));
      const p = raw.TestnetStack;
      const big = (v: number | string) => (typeof v === "string" ? BigInt(v.slice(0, -1)) : BigInt(v));
      const perpParams = Object.fromEntries(Object.entries(p.perpParams).map(([k, v]) => [k, big(v as never)]));
      const perpOrders = { ...p.perpOrders, executionFee: big(p.perpOrders.executionFee) };
      const checked = { ...p, perpParams, perpOrders, depositCap: big(p.depositCap) };
      expect(await preflightIssues(checked, "TestnetStack", bench), net).to.deep.equal([]);
    }
  });

  it("checks a delayed stack's order book against the book's own bounds", async function () {
    const p = { ...committed(), perpOrders: { minDelay: 5, maxDelay: 2 * 86_400, executionFee: 101n * 10n ** 6n } };
    expect(await preflightIssues(p, "TestnetStack", bench)).to.deep.equal([
      "TestnetStack.perpOrders.maxDelay: 172800 is outside [6, 86400] (DelayedOrders: ParameterOutOfBounds)",
      "TestnetStack.perpOrders.executionFee: 101000000 is outside [0, 100000000] (DelayedOrders: ParameterOutOfBounds)",
    ]);
  });

  // For each field and each side: push the value far past the side, read the bound the contract
  // reports, then the bound itself passes and one unit past it fails, naming the field with the
  // contract's error. No bound is typed here, so the contracts may change theirs.
  const probe = committed();
  for (const field of fieldsOf(probe)) {
    for (const side of ["min", "max"] as const) {
      it(`${field.path}: the ${side} bound the contract reports passes, one unit past it fails (or no bound)`, async function () {
        const far = committed();
        const extreme = side === "min" ? 0n : field.typeMax;
        fieldsOf(far)
          .find((f) => f.path === field.path)!
          .set(far, extreme);
        const farIssues = await issuesOf(far);
        const bounds = reportedBounds(farIssues, field.path);
        if (bounds === undefined) {
          // No bound on this side: the contract accepts the type's extreme.
          expect(farIssues.filter((i) => i.startsWith(`LocalStack.${field.path}:`))).to.deep.equal([]);
          return;
        }
        const bound = side === "min" ? bounds[0] : bounds[1];
        const past = side === "min" ? bound - 1n : bound + 1n;

        const atBound = committed();
        field.set(atBound, bound);
        const atIssues = await issuesOf(atBound);
        expect(
          atIssues.filter((i) => i.startsWith(`LocalStack.${field.path}:`)),
          `at ${bound}: ${atIssues.join(" | ")}`,
        ).to.deep.equal([]);

        const pastIt = committed();
        field.set(pastIt, past);
        const pastIssues = await issuesOf(pastIt);
        expect(reportedBounds(pastIssues, field.path), `at ${past}: ${pastIssues.join(" | ")}`).to.not.equal(undefined);
        expect(pastIssues.find((i) => i.startsWith(`LocalStack.${field.path}: ${past} is outside`))).to.be.a("string");
      });
    }
  }

  /** Files that break rules between fields, and the fields the contracts name. */
  const CROSS: [string, (p: PreflightParameters) => void, string[]][] = [
    ["delta hard band not above soft", (p) => (p.bands.deltaHardBps = 100), ["bands.deltaHardBps"]],
    ["idle hard band not above soft", (p) => (p.bands.idleHardBps = 500), ["bands.idleHardBps"]],
    [
      "min soft margin band within 5% of 1/L",
      (p) => (p.bands.minMarginRatioSoftBps = 4_600),
      ["bands.minMarginRatioSoftBps"],
    ],
    [
      "vault margin floor not above the perp's initial margin",
      (p) => {
        p.perpParams.initialMarginBps = 3_000n;
        p.perpParams.maintenanceMarginBps = 2_500n;
      },
      ["bands.minMarginRatioHardBps"],
    ],
    [
      "1/L below the perp's initial margin (no margin band fits)",
      (p) => (p.perpParams.initialMarginBps = 6_000n),
      ["bands.minMarginRatioHardBps", "bands.minMarginRatioSoftBps"],
    ],
    [
      "maintenance not below initial margin",
      (p) => (p.perpParams.maintenanceMarginBps = 1_000n),
      ["perpParams.maintenanceMarginBps"],
    ],
    [
      "liquidation reward above maintenance",
      (p) => (p.perpParams.liquidationRewardBps = 501n),
      ["perpParams.liquidationRewardBps"],
    ],
    ["skew scale in wei, not whole tokens", (p) => (p.perpParams.skewScale = 10n ** 24n), ["perpParams.skewScale"]],
    [
      "several fields at once, each named",
      (p) => {
        p.strategy.idleBufferBps = 3_001;
        p.bands.deltaSoftBps = 5;
        p.perpParams.takerFeeBps = 1_000n;
        p.managementFeeBps = 201;
      },
      ["perpParams.takerFeeBps", "strategy.idleBufferBps", "bands.deltaSoftBps", "managementFeeBps"],
    ],
    ["a fee tier the Uniswap factory lacks", (p) => (p.poolFee = 100), ["poolFee"]],
  ];
  for (const [what, mutate, fields] of CROSS) {
    it(`refuses ${what}, naming ${fields.join(", ")}`, async function () {
      const p = committed();
      mutate(p);
      const issues = await issuesOf(p);
      const named = issues.map((i) => i.slice("LocalStack.".length, i.indexOf(":")));
      expect(named, issues.join(" | ")).to.have.members(fields);
    });
  }

  it("names a missing or unknown PerpMarket parameter from the compiled constructor", async function () {
    const p = committed();
    delete p.perpParams.skewScale;
    p.perpParams.skewScaleWei = 1n;
    const issues = await issuesOf(p);
    expect(issues.some((i) => i.startsWith("LocalStack.perpParams.skewScale: Required"))).to.equal(true);
    expect(issues.some((i) => i.startsWith("LocalStack.perpParams.skewScaleWei: not a PerpMarket parameter"))).to.equal(
      true,
    );
  });

  it("throws a ParameterError from checkWithContracts, and passes the committed plan", async function () {
    await checkWithContracts(plan, ethers, bench);
    const bad: DeploymentPlan = { ...plan, preflight: { ...committed(), performanceFeeBps: 3_001 } };
    let error: unknown;
    try {
      await checkWithContracts(bad, ethers, bench);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ParameterError);
    expect((error as ParameterError).issues).to.deep.equal([
      "LocalStack.performanceFeeBps: 3001 is outside [0, 3000] (DeltaNeutralVault.setFees: ParameterOutOfBounds)",
    ]);
  });
});
