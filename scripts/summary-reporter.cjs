// Mocha's spec reporter plus the plain closing line CI reads: "N passed, N failed".
// A skipped (pending) test counts as failed: .mocharc.json forbids them, and a closing line that
// left them out would read as green for tests that never ran. With TEST_SUMMARY_FILE set the counts
// are also written there, so scripts/run-tests.mjs can sum several runs.
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats;
      if (pending) process.stdout.write(`\n${pending} skipped (counted as failed)\n`);
      process.stdout.write(`\n${passes} passed, ${failures + pending} failed\n`);
      if (process.env.TEST_SUMMARY_FILE)
        writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ passed: passes, failed: failures + pending }));
    });
  }
}

module.exports = SummaryReporter;
