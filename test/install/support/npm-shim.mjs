// `npm`, as the README's commands run it in test/install/readme.test.ts: the
// real npm, with the names of grpckit's two packages pointed at the packed
// tarballs (they are not taken from the registry), and the peers pinned to
// the versions under test. Everything else goes to npm as written.
//   GRPCKIT_TEST_NPM       the real npm's CLI script
//   GRPCKIT_TEST_PACKAGES  JSON: package name -> what to install instead (a tarball, or name@version)
import { spawnSync } from "node:child_process";

const packages = JSON.parse(process.env.GRPCKIT_TEST_PACKAGES ?? "{}");
const [command, ...rest] = process.argv.slice(2);
const installs = ["install", "i", "add"].includes(command ?? "");
const args = installs ? rest.map((arg) => packages[arg] ?? arg) : rest;
// grpckit's packages with a version (grpckit@1.2.3) would come from the registry, not from this build: refused.
const packed = Object.keys(packages).filter((name) => packages[name].endsWith(".tgz"));
const versioned = args.find((arg) => packed.some((name) => arg.startsWith(`${name}@`)));
if (installs && versioned !== undefined) {
  console.error(`npm-shim: "${versioned}": install grpckit's packages by their bare names (the test packs them)`);
  process.exit(2);
}
const npm = process.env.GRPCKIT_TEST_NPM;
if (npm === undefined) {
  console.error("npm-shim: GRPCKIT_TEST_NPM is not set");
  process.exit(2);
}
const { status, signal } = spawnSync(process.execPath, [npm, ...(command === undefined ? [] : [command]), ...args], {
  stdio: "inherit",
});
process.exit(status ?? (signal === null ? 1 : 128));
