//! Pure data: the helper files smoke hands to test runners in batch mode, each kept as a real
//! file beside this one (checked by its own language's tools) and embedded here. `exec` writes
//! them into its private folder for batch results (mode 0700, removed with smoke) and names
//! that folder in `$SMOKE_HELPERS`; they never go into the user's tree.

/// rspec: runs the example ids on the command line in exactly the order given (`rspec -r
/// "$SMOKE_HELPERS/rspec_order.rb" ...`).
pub const RSPEC_ORDER: &str = "rspec_order.rb";
/// jest: a `testSequencer` that runs the files after `--` in exactly the order given.
pub const JEST_SEQUENCER: &str = "jest_sequencer.js";

/// Every helper file: its name in `$SMOKE_HELPERS` and its contents.
pub const FILES: &[(&str, &str)] = &[
    (RSPEC_ORDER, include_str!("rspec_order.rb")),
    (JEST_SEQUENCER, include_str!("jest_sequencer.js")),
];
