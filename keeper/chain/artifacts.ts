import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorFragment, Interface, type InterfaceAbi } from "ethers";

/** Repository root (this file is keeper/chain/artifacts.ts). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS = join(ROOT, "artifacts");

/** The compiled artifacts are missing or unreadable; `npm run build` writes them. */
export class ArtifactsError extends Error {
  override name = "ArtifactsError";
}

interface ArtifactFile {
  contractName: string;
  sourceName: string;
  abi: InterfaceAbi;
}

function readArtifact(path: string): ArtifactFile {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ArtifactFile;
  } catch (cause) {
    throw new ArtifactsError(`cannot read ${path} (run \`npm run build\` first)`, { cause });
  }
}

/**
 * The ABI of a contract compiled in this repository, e.g. `contractInterface("IDeltaNeutralVault")`.
 * The keeper's ABIs come from the compiler's output, so fields appended to `vaultState()` and new
 * errors reach it with the next build; nothing is re-typed by hand.
 */
export function contractInterface(name: string): Interface {
  const path = findArtifact(name);
  if (!path)
    throw new ArtifactsError(`no compiled artifact for ${name} under artifacts/ (run \`npm run build\` first)`);
  return new Interface(readArtifact(path).abi);
}

function findArtifact(name: string): string | undefined {
  return artifactFiles(ARTIFACTS).find((p) => p.endsWith(`/${name}.json`));
}

let cachedFiles: string[] | undefined;
/** Every artifact JSON under `dir` (build info and debug files excluded). */
function artifactFiles(dir: string): string[] {
  if (dir === ARTIFACTS && cachedFiles) return cachedFiles;
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "build-info") walk(p);
      } else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) out.push(p);
    }
  };
  walk(dir);
  if (dir === ARTIFACTS) cachedFiles = out;
  return out;
}

/** One custom error as declared somewhere in the stack. */
export interface KnownError {
  fragment: ErrorFragment;
  /** Per argument, the Solidity enum it encodes (e.g. "IDeltaNeutralVault.Band"), if any. */
  enums: (string | undefined)[];
  /** Contracts whose ABI declares it (the same error is often declared by several). */
  declaredBy: string[];
}

/**
 * Every custom error in the compiled artifacts of this repository (the vault, venues, market,
 * libraries, test contracts, compiled npm contracts) and in OpenZeppelin's shipped build, keyed
 * by selector. Two different signatures sharing a selector are both kept.
 */
export function loadErrorRegistry(
  dirs: readonly string[] = [ARTIFACTS, join(ROOT, "node_modules", "@openzeppelin", "contracts", "build", "contracts")],
): Map<string, KnownError[]> {
  const bySelector = new Map<string, KnownError[]>();
  let files = 0;
  for (const dir of dirs)
    for (const path of artifactFiles(dir)) {
      const artifact = readArtifact(path);
      if (!Array.isArray(artifact.abi)) continue;
      files++;
      for (const item of artifact.abi as { type?: string; inputs?: { internalType?: string }[] }[]) {
        if (item.type !== "error") continue;
        const fragment = ErrorFragment.from(item);
        const enums = (item.inputs ?? []).map((i) => /^enum (.+)$/.exec(i.internalType ?? "")?.[1]);
        const list = bySelector.get(fragment.selector) ?? [];
        const same = list.find((k) => k.fragment.format("sighash") === fragment.format("sighash"));
        if (same) {
          if (!same.declaredBy.includes(artifact.contractName)) same.declaredBy.push(artifact.contractName);
        } else list.push({ fragment, enums, declaredBy: [artifact.contractName] });
        bySelector.set(fragment.selector, list);
      }
    }
  if (files === 0) throw new ArtifactsError("no compiled artifacts found under artifacts/ (run `npm run build` first)");
  return bySelector;
}
