/**
 * One suite in its own process (so each starts with a fresh engine and a
 * fresh value stack): `node run-suite.js <suite> <report.json>`.
 */
import * as fs from "node:fs";
import { loadLibraries } from "./harness/libraries.js";
import { measureSuite } from "./harness/measure.js";
import { measureOptions } from "./harness/options.js";
import type { SuiteReport } from "./harness/types.js";
import { SUITES, SYMBOLIC_CHAIN } from "./suites/index.js";
import { symbolicChain } from "./suites/symbolic-chain.js";

async function main(): Promise<void> {
  const [name, reportFile] = process.argv.slice(2);
  if (name === undefined || reportFile === undefined) {
    throw new Error("usage: node run-suite.js <suite> <report.json>");
  }
  const options = measureOptions();
  let report: SuiteReport;
  if (name === SYMBOLIC_CHAIN) {
    report = {
      suite: name,
      title: "mathjs derivative of the chain",
      rows: [],
      stackCapacity: 0,
      extra: await symbolicChain(options.limitMs),
    };
  } else {
    const suite = SUITES.find((s) => s.name === name);
    if (suite === undefined) throw new Error(`no suite named ${name}`);
    report = await measureSuite(suite, await loadLibraries(), options);
  }
  fs.writeFileSync(reportFile, JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
