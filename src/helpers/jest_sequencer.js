// smoke's helper for jest's batch mode: a testSequencer that runs the test files named after
// `--` on jest's command line in exactly that order (jest's own sequencer sorts them by past
// failures, durations and size). Used with `--runInBand`, so the files run one after the
// other in one worker process. smoke writes this file into a private temp folder; it is kept
// in smoke's repository as src/helpers/jest_sequencer.js.
'use strict';

const path = require('path');

// The paths after `--`, in order, as they were given (smoke's reporter names files by them).
function asked() {
  const args = process.argv;
  const dash = args.indexOf('--');
  if (dash < 0) {
    return [];
  }
  return args.slice(dash + 1);
}

class SmokeSequencer {
  shard(tests) {
    return tests;
  }

  sort(tests) {
    // Each asked path once per time it is asked, in the order asked; a test jest found that
    // was not asked goes last, where smoke's order check sees it.
    const byPath = new Map();
    for (const test of tests) {
      const key = path.resolve(test.path);
      if (!byPath.has(key)) {
        byPath.set(key, test);
      }
    }
    const order = asked().map((p) => path.resolve(p));
    const wanted = new Set(order);
    const sorted = order.filter((p) => byPath.has(p)).map((p) => byPath.get(p));
    const extra = Array.from(tests).filter((t) => !wanted.has(path.resolve(t.path)));
    return sorted.concat(extra);
  }

  allFailedTests(tests) {
    return tests;
  }

  cacheResults() {}
}

module.exports = SmokeSequencer;
module.exports.asked = asked;
