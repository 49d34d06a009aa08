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
// With SMOKE_STATE=PATH (smoke's verbose rerun of a failing sequence), it also writes to PATH
// what each test file changed in the state files share (the working directory, core modules,
// the real process.env, ...), through jest_state.js, which is required only then.
//
// All these variables are taken out of the environment as jest loads its reporters, before
// any test file runs, so that the tests and the processes they start do not see them.
'use strict';

const fs = require('fs');
const path = require('path');
const { asked } = require('./jest_sequencer.js');

const STREAM = process.env.SMOKE_JEST_STREAM;
const STOP = process.env.SMOKE_JEST_STOP === '1';
const STATE = process.env.SMOKE_STATE;
delete process.env.SMOKE_JEST_STREAM;
delete process.env.SMOKE_JEST_STOP;
delete process.env.SMOKE_STATE;

// The state tracker (jest_state.js, loaded only with SMOKE_STATE), or null with a note in PATH
// when it cannot be loaded: the run goes on without it.
function stateTracker(file) {
  try {
    return require('./jest_state.js').tracker(file);
  } catch (error) {
    try {
      fs.writeFileSync(file, `${JSON.stringify({ note: `state: jest_state.js could not be loaded (${String(error.message).split('\n')[0]})` })}\n`);
    } catch {
      // nowhere to say it
    }
    return null;
  }
}

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
    this.state = STATE ? stateTracker(STATE) : null;
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
    if (this.state !== null) {
      // The baseline, once, as the first file starts: after jest's own start-up.
      this.state.begin();
    }
    this.write({ start: this.name(test) });
  }

  onTestFileResult(test, result) {
    // Failed as jest's JSON says it: a failing test, or a file that could not run.
    const failed = result.numFailingTests > 0 || Boolean(result.testExecError);
    const stats = result.perfStats || {};
    const duration = stats.end >= stats.start ? (stats.end - stats.start) / 1000 : null;
    if (this.state !== null) {
      this.state.after(this.name(test));
    }
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
