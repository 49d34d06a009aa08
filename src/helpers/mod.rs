//! Pure data: the helper files smoke hands to test runners in batch mode, each kept as a real
//! file beside this one (checked by its own language's tools) and embedded here. `exec` writes
//! them into its private folder for batch results (mode 0700, removed with smoke) and names
//! that folder in `$SMOKE_HELPERS`; they never go into the user's tree.

/// rspec: runs the example ids on the command line in exactly the order given (`rspec -r
/// "$SMOKE_HELPERS/rspec_order.rb" ...`).
pub const RSPEC_ORDER: &str = "rspec_order.rb";
/// jest: a `testSequencer` that runs the files after `--` in exactly the order given.
pub const JEST_SEQUENCER: &str = "jest_sequencer.js";
/// jest: a reporter that streams each file's start and end, and can stop at the first failure
/// (`--reporters="$SMOKE_HELPERS/jest_reporter.js"`).
pub const JEST_REPORTER: &str = "jest_reporter.js";

/// Where smoke's pytest plugin (`exec/smoke_fork_pytest.py`) writes a line as each test starts
/// and ends in a pytest smoke starts fresh; it also puts the plugin in that stream-only mode.
pub const PYTEST_STREAM_VAR: &str = "SMOKE_PYTEST_STREAM";
/// Where smoke's pytest plugin writes the node ids `pytest --collect-only` collected, one JSON
/// string per line and then the count and the collection errors; it also puts the plugin in
/// that list-only mode.
pub const PYTEST_LIST_VAR: &str = "SMOKE_PYTEST_LIST";
/// Where `rspec_order.rb` in a fresh rspec writes a line as each example starts and ends.
pub const RSPEC_STREAM_VAR: &str = "SMOKE_RSPEC_STREAM";
/// Where `jest_reporter.js` writes a line as each test file starts and ends.
pub const JEST_STREAM_VAR: &str = "SMOKE_JEST_STREAM";
/// `1`: `jest_reporter.js` ends jest at the first failing file.
pub const JEST_STOP_VAR: &str = "SMOKE_JEST_STOP";

/// rspec: what each example changed inside the process (`probe::state`), loaded by
/// `rspec_order.rb` only when `SMOKE_STATE` is set.
pub const RSPEC_STATE: &str = "smoke_state_rspec.rb";
/// pytest: what each test changed inside the process, imported by smoke's pytest plugin (from
/// its own folder, first on `PYTHONPATH`) only when `SMOKE_STATE` is set.
pub const PYTEST_STATE: &str = "smoke_state_pytest.py";
/// jest: what each test file changed in jest's process, required by `jest_reporter.js` only
/// when `SMOKE_STATE` is set.
pub const JEST_STATE: &str = "jest_state.js";

/// Every helper file: its name in `$SMOKE_HELPERS` and its contents.
pub const FILES: &[(&str, &str)] = &[
    (RSPEC_ORDER, include_str!("rspec_order.rb")),
    (JEST_SEQUENCER, include_str!("jest_sequencer.js")),
    (JEST_REPORTER, include_str!("jest_reporter.js")),
    (RSPEC_STATE, include_str!("smoke_state_rspec.rb")),
    (PYTEST_STATE, include_str!("smoke_state_pytest.py")),
    (JEST_STATE, include_str!("jest_state.js")),
];
