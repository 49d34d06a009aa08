// `npm pack`'s prepack step: build smoke (`cargo build --release --locked`, in the repository
// above this folder) and place the binary where bin/smoke.js looks for it on this machine,
// bin/PLATFORM-ARCH/smoke, with the README and the licenses beside package.json. Not in the
// package itself (package.json's `files`).
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const npm = path.resolve(__dirname, '..');
const repo = path.resolve(npm, '..');
const manifest = path.join(repo, 'Cargo.toml');

execFileSync('cargo', ['build', '--release', '--locked', '--manifest-path', manifest], {
  stdio: 'inherit',
});
// Where cargo put it: target/ unless CARGO_TARGET_DIR or a cargo config says otherwise.
const metadata = JSON.parse(
  execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', manifest], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }),
);
const built = path.join(metadata.target_directory, 'release', 'smoke');

const folder = path.join(npm, 'bin', `${process.platform}-${process.arch}`);
fs.mkdirSync(folder, { recursive: true });
const placed = path.join(folder, 'smoke');
fs.copyFileSync(built, placed);
fs.chmodSync(placed, 0o755);
for (const file of ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE']) {
  fs.copyFileSync(path.join(repo, file), path.join(npm, file));
}
process.stderr.write(`prepack: ${path.relative(npm, placed)} from ${built}\n`);
