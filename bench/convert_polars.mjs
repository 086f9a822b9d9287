// bench/convert_polars.mjs: Polars' side of the convert benchmark (bench/run, section convert).
//
//   node bench/convert_polars.mjs IN.csv OUT.parquet
//
// Runs `pl.scanCSV(IN).sinkParquet(OUT, {compression: 'snappy'})`, Polars' streaming CSV-to-Parquet
// path, with its defaults otherwise (the schema is inferred from the first 100 rows; that is what a
// user typing this line gets). nodejs-polars is a bench-only dependency that bench/run installs,
// pinned, into the git-ignored .deps/bench/ (never by `make setup`, so `make test` downloads
// nothing for it); it is loaded from there, not from a node_modules folder beside this file.
// The thread count comes from the environment: bench/run sets POLARS_MAX_THREADS=2, which the
// Polars core reads when its thread pool starts (nodejs-polars has no API to set or query it).
// bench/rss_run times the whole process from outside; the time printed here is for the log only.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const [input, output] = process.argv.slice(2);
if (!input || !output || process.argv.length !== 4) {
    console.error("usage: node bench/convert_polars.mjs IN.csv OUT.parquet");
    process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const deps = process.env.BUZZ_BENCH_NODE_DEPS || path.join(here, "..", ".deps", "bench");
const require = createRequire(path.join(deps, "package.json"));
const pl = require("nodejs-polars");

const t0 = process.hrtime.bigint();
// sinkParquet only builds the plan; collect() runs it. The promise form keeps Node's event loop
// free while Polars' own threads do the work.
await pl.scanCSV(input).sinkParquet(output, { compression: "snappy" }).collect();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`polars convert: ${seconds.toFixed(3)} s in scanCSV/sinkParquet`);
