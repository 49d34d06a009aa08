// smoke's helper for jest's batch mode: a reporter (loaded with `--reporters`, beside jest's
// default one) that makes a fresh jest say what rspec and pytest say through smoke's other
// helpers. smoke writes this file into a private temp folder; it is kept in smoke's repository
// as src/helpers/jest_reporter.js.
//
// With SMOKE_JEST_STREAM=PATH, it writes a line to PATH as each test file starts and ends,
// {"start": NAME} and {"test": NAME, "outcome": ..., "duration": S, "output": TEXT}, NAME being
// the path as it was asked after `--`: jest writes its JSON results only at its end, so these
// lines are what says which file was running when one kills the process.
//
// With SMOKE_JEST_STOP=1, it ends jest (status 1) as soon as a file fails, after its line, as
// jest's own `--bail` does (which smoke cannot put among the paths after `--`); jest then
// writes no JSON results, and the lines are the results.
//
// Both variables are taken out of the environment as jest loads its reporters, before any
// test file runs, so that the tests and the processes they start do not see them.
'use strict';

const fs = require('fs');
const path = require('path');
const { asked } = require('./jest_sequencer.js');

const STREAM = process.env.SMOKE_JEST_STREAM;
const STOP = process.env.SMOKE_JEST_STOP === '1';
delete process.env.SMOKE_JEST_STREAM;
delete process.env.SMOKE_JEST_STOP;

class SmokeReporter {
  constructor() {
    // Each asked path, absolute, to the name it was asked by.
    this.names = new Map();
    for (const name of asked()) {
      const key = path.resolve(name);
      if (!this.names.has(key)) {
        this.names.set(key, name);
      }
    }
    this.out = STREAM ? fs.openSync(STREAM, 'w') : null;
  }

  name(test) {
    const key = path.resolve(test.path);
    return this.names.get(key) || test.path;
  }

  write(message) {
    if (this.out !== null) {
      fs.writeSync(this.out, `${JSON.stringify(message)}\n`);
    }
  }

  onTestFileStart(test) {
    this.write({ start: this.name(test) });
  }

  onTestFileResult(test, result) {
    // Failed as jest's JSON says it: a failing test, or a file that could not run.
    const failed = result.numFailingTests > 0 || Boolean(result.testExecError);
    const stats = result.perfStats || {};
    const duration = stats.end >= stats.start ? (stats.end - stats.start) / 1000 : null;
    this.write({
      test: this.name(test),
      outcome: failed ? 'failed' : 'passed',
      duration,
      output: failed ? result.failureMessage || '' : '',
    });
    if (failed && STOP) {
      process.exit(1);
    }
  }

  getLastError() {
    return undefined;
  }
}

// The older names of the same hooks, for an older jest; a jest that knows both calls only one.
SmokeReporter.prototype.onTestStart = SmokeReporter.prototype.onTestFileStart;
SmokeReporter.prototype.onTestResult = SmokeReporter.prototype.onTestFileResult;

module.exports = SmokeReporter;
