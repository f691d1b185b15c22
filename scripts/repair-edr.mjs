// Hardhat's simulator (@nomicfoundation/edr) ships its native code as an optional,
// per-platform package whose engines field wants Node >= 22. When npm itself runs on an
// older Node it silently skips that package, and Hardhat then fails with HHE27. This
// postinstall step runs with node_modules/.bin first on PATH (so on the project's own
// Node 22) and installs the matching platform package when it is missing.
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const GUARD = "DNV_EDR_REPAIR";

function platformPackage() {
  const { platform, arch } = process;
  if (platform === "linux") {
    const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
    return `@nomicfoundation/edr-linux-${arch}-${glibc ? "gnu" : "musl"}`;
  }
  if (platform === "win32") return `@nomicfoundation/edr-win32-${arch}-msvc`;
  return `@nomicfoundation/edr-${platform}-${arch}`;
}

function edrLoads() {
  try {
    require("@nomicfoundation/edr");
    return true;
  } catch {
    return false;
  }
}

if (process.env[GUARD]) process.exit(0); // the nested npm install below runs this script again
if (edrLoads()) process.exit(0);

// edr's package.json is not in its "exports", so read it from disk.
const edrManifest = new URL("../node_modules/@nomicfoundation/edr/package.json", import.meta.url);
if (!existsSync(edrManifest)) process.exit(0); // Hardhat not installed (yet): nothing to repair
const edrVersion = JSON.parse(readFileSync(edrManifest, "utf8")).version;
const pkg = `${platformPackage()}@${edrVersion}`;
console.log(`repair-edr: Hardhat's native simulator is missing for this platform; installing ${pkg}`);
try {
  execFileSync("npm", ["install", "--no-save", "--ignore-scripts", pkg], {
    stdio: "inherit",
    env: { ...process.env, [GUARD]: "1" },
  });
} catch (err) {
  console.error(`repair-edr: could not install ${pkg}: ${err.message}`);
  process.exit(1);
}
if (!edrLoads()) {
  console.error(`repair-edr: ${pkg} installed but @nomicfoundation/edr still fails to load`);
  process.exit(1);
}
console.log("repair-edr: done");
