/**
 * The package managers a consumer project is installed with, and how: lean installs (no audit, no fund, no
 * install scripts, cached packages first) with the package manager's own default layout. pnpm and yarn are
 * this repository's pinned devDependencies, not global tools.
 */
import { join } from "node:path";
import { repoRoot } from "../support/package-link";

export interface PackageManager {
  name: "npm" | "pnpm" | "yarn";
  /** What the README calls it, with the layout it produces. */
  label: string;
  /** The executable and its arguments for `install` in the consumer's directory. */
  command: string;
  args: string[];
  /**
   * Whether transitive dependencies land at the top of the project's node_modules. pnpm's isolated layout
   * does not hoist them: that is what makes the stand-in resolve the SDK's own dependencies through it.
   */
  hoists: boolean;
}

const bin = (name: string) => join(repoRoot(), "node_modules", ".bin", name);

// --ignore-scripts is safe: nothing in the dependency tree needs an install script to run a program.
export const PACKAGE_MANAGERS: PackageManager[] = [
  {
    name: "npm",
    label: "npm (node_modules, hoisted)",
    command: "npm",
    args: ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"],
    hoists: true,
  },
  {
    name: "pnpm",
    label: "pnpm 9 (isolated node_modules, the default)",
    command: bin("pnpm"),
    // Without a lock file; pnpm would default to --frozen-lockfile when CI is set.
    args: [
      "install",
      "--no-frozen-lockfile",
      "--prefer-offline",
      "--ignore-scripts",
      "--reporter=append-only",
    ],
    hoists: false,
  },
  {
    name: "yarn",
    label: "yarn classic 1.x (node_modules, hoisted)",
    command: bin("yarn"),
    args: ["install", "--non-interactive", "--no-progress", "--prefer-offline", "--ignore-scripts"],
    hoists: true,
  },
];
