// Renders server messages with the installed phoenix_live_view client's own Rendered class.
//
// stdin:  JSON [[fullTree, diff, diff, ...], ...]   (one list per scenario); a message
//         {"__will_destroy__": [cids]} or {"__prune__": [cids]} replays component removal
// stdout: JSON [[html, html, ...], ...]             (the HTML after each message)
//
// The package ships rendered.js as source that imports TypeScript modules, which
// Node 20 cannot load, and its built bundles do not export Rendered. So the
// package's own source is bundled in memory with esbuild (already a dev
// dependency of this repo) and imported from a data: URL. No file is written.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
// The package's "exports" hide subpaths; its main entry is priv/static/*.cjs.js.
const packageRoot = join(dirname(require.resolve("phoenix_live_view")), "..", "..");
const source = join(packageRoot, "assets/js/phoenix_live_view/rendered.js");

const bundle = await build({
  entryPoints: [source],
  bundle: true,
  write: false,
  format: "esm",
  platform: "neutral",
  logLevel: "error",
});
// The client's deepClone (taken for every diff with keyed moves, "km") looks for
// structuredClone on `window`; in Node the global object stands in for it.
globalThis.window ??= globalThis;
const code = Buffer.from(bundle.outputFiles[0].text).toString("base64");
const { default: Rendered } = await import(`data:text/javascript;base64,${code}`);

const scenarios = JSON.parse(readFileSync(0, "utf8"));
const output = [];
for (const [scenario, messages] of scenarios.entries()) {
  const htmls = [];
  let rendered = null;
  for (const [step, message] of messages.entries()) {
    try {
      // Component removal, as view.ts does it: reset on cids_will_destroy, prune the cids
      // the server answered to cids_destroyed.
      if (message.__will_destroy__) {
        message.__will_destroy__.forEach((cid) => rendered.resetRender(cid));
        htmls.push(rendered.toString().buffer);
        continue;
      }
      if (message.__prune__) {
        rendered.pruneCIDs(message.__prune__);
        htmls.push(rendered.toString().buffer);
        continue;
      }
      // The client strips title, events and reply before merging (view.ts).
      const { diff } = Rendered.extract(message);
      if (rendered === null) {
        rendered = new Rendered("phx-test", diff);
      } else {
        rendered.mergeDiff(diff);
      }
      htmls.push(rendered.toString().buffer);
    } catch (error) {
      // The stack would quote the whole data: URL; the message is what matters.
      process.stderr.write(`scenario ${scenario}, message ${step}: ${error}\n`);
      process.exit(1);
    }
  }
  output.push(htmls);
}
process.stdout.write(JSON.stringify(output));
