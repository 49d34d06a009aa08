//! Edge: the one way smoke writes lines to its stdout and stderr, `outln!` and `errln!`.
//!
//! A write that fails is ignored: stdout or stderr can vanish under a running smoke (`smoke 2>&1
//! | head -1`, a `tee` that Ctrl-C killed first, a terminal closed or an ssh session dropped),
//! and `println!`/`eprintln!` would then panic, leaving the report at `running`. The report on
//! disk is the record of a run, so smoke carries on without its console and ends with its usual
//! report status and exit code. This module must not buffer, decorate or decide what is shown:
//! callers (the console reporter, `lib`, the signal thread) do that.

use std::io::Write;

/// Print a line on stdout (results), ignoring a stdout that is closed or failing.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::term::write_line(&mut ::std::io::stdout().lock(), ::std::format_args!($($arg)*))
    };
}

/// Print a line on stderr (progress, diagnostics), ignoring a stderr that is closed or failing.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::term::write_line(&mut ::std::io::stderr().lock(), ::std::format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};

/// Write `args` and a newline to `to` in one `write_all` (so lines from two threads do not
/// interleave mid-line on an unbuffered stderr), then flush; any error is dropped (see the
/// module docs).
pub(crate) fn write_line(to: &mut impl Write, args: std::fmt::Arguments) {
    let mut line = args.to_string();
    line.push('\n');
    let _ = to.write_all(line.as_bytes());
    let _ = to.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that has lost its reader.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_line_is_written_whole_and_a_closed_writer_is_ignored() {
        let mut buf = Vec::new();
        write_line(&mut buf, format_args!("a {}", 1));
        assert_eq!(buf, b"a 1\n");
        write_line(&mut Closed, format_args!("lost"));
    }
}
