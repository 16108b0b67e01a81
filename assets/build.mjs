// Builds the client bundle from assets/liveview.js and the pinned npm packages.
import {build} from "esbuild"

await build({
  entryPoints: ["assets/liveview.js"],
  outfile: "liveview/static/liveview/liveview.js",
  bundle: true,
  format: "iife",
  target: ["es2020"],
  minify: true,
  sourcemap: true,
  logLevel: "warning",
})
