#!/usr/bin/env node
// smoke's npm launcher: the package's `smoke` command. smoke is one native binary (its runner
// helpers are compiled in); `npm pack` puts the one built on the packing machine in
// bin/PLATFORM-ARCH/smoke (scripts/prepack.js), and this file runs it with the same arguments,
// standard input, output and error, and ends as it ends: its exit code, or 128 + N when a
// signal N killed it (as a shell reports it). On a platform the package has no binary for, it
// refuses with exit 2 and says how to build smoke from source.
//
// Signals: the binary runs in this process's group, as if this launcher had exec'd it (Node has
// no exec before 22.15), so what a terminal sends to the foreground group (Ctrl-C, Ctrl-\, a
// hang-up) reaches it directly; passing those on as well would be smoke's second signal, which
// makes it exit at once without its teardown. They are passed on when no terminal is attached
// (a CI job or a script signalled this process alone), and SIGTERM always (`kill PID`). The
// launcher itself waits for the binary whatever it receives, so its exit is the binary's.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** The exit code for a usage or set-up error, as smoke's own. */
const USAGE = 2;

const platform = `${process.platform}-${process.arch}`;
const binary = path.join(__dirname, platform, 'smoke');

/** The PLATFORM-ARCH folders of this package that hold a binary. */
function builtFor() {
  return fs
    .readdirSync(__dirname, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(__dirname, entry.name, 'smoke')))
    .map((entry) => entry.name)
    .sort();
}

if (!fs.existsSync(binary)) {
  const built = builtFor();
  process.stderr.write(
    `smoke: this package has no smoke binary for ${platform} ` +
      `(it has one for ${built.length ? built.join(', ') : 'no platform'}): ` +
      'each package carries the binary of the machine that packed it, and smoke runs on ' +
      'Linux and macOS.\n' +
      'Build smoke from source instead: install Rust (https://rustup.rs), then run ' +
      '`cargo install --path .` in a checkout of smoke, or `npm pack` in its npm/ folder ' +
      'for a package with this machine\'s binary.\n',
  );
  process.exit(USAGE);
}

// `npx --package smoke-test-order -- smoke` leaves npm_config_package in the environment, and
// every npx that smoke starts for the suite (the jest preset's `npx --no -- jest`) would read it
// and refuse to run without installing that package too: it is for the npx that started smoke.
const env = { ...process.env };
delete env.npm_config_package;

// The handlers come before the binary: a signal between its start and them would kill this
// launcher (node's default) and leave the binary running with nobody to report its exit. Node
// runs them once this script has run to its end, so `child` is set by then.
const onTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
let child = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) {
  process.on(signal, () => {
    const running = child.exitCode === null && child.signalCode === null;
    if (running && (signal === 'SIGTERM' || !onTerminal)) {
      child.kill(signal);
    }
  });
}

child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', env });

child.on('error', (error) => {
  process.stderr.write(`smoke: cannot run ${binary}: ${error.message}\n`);
  process.exit(USAGE);
});

child.on('exit', (code, signal) => {
  if (signal) {
    process.exit(128 + (os.constants.signals[signal] || 0));
  }
  process.exit(code === null ? USAGE : code);
});
