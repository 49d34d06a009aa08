//! Edge: the one way smoke writes lines to its stdout and stderr, `outln!` and `errln!`, and
//! whole documents (the man page, completion scripts) to stdout, `write_document`.
//!
//! A line that fails to write is ignored: stdout or stderr can vanish under a running smoke
//! (`smoke 2>&1 | head -1`, a `tee` that Ctrl-C killed first, a terminal closed or an ssh
//! session dropped), and `println!`/`eprintln!` would then panic, leaving the report at
//! `running`. The report on disk is the record of a run, so smoke carries on without its
//! console and ends with its usual report status and exit code. A document is the command's
//! result, so only a reader that left early (a broken pipe) is success there. This module must
//! not buffer, decorate or decide what is shown: callers (the console reporter, `lib`, the
//! signal thread, `man`, `completions`) do that.

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

/// Write a whole document (a man page, a completion script) to `to` and flush. A reader that
/// stopped early (`smoke man | head -1`) got what it wanted, so a broken pipe is success; any
/// other error is returned, since the document is the command's result.
pub(crate) fn write_document(to: &mut impl Write, document: &[u8]) -> std::io::Result<()> {
    match to.write_all(document).and_then(|()| to.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
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

    #[test]
    fn a_document_is_written_whole_and_a_closed_pipe_is_success() {
        let mut buf = Vec::new();
        write_document(&mut buf, b".TH SMOKE 1\n").expect("written");
        assert_eq!(buf, b".TH SMOKE 1\n");
        write_document(&mut Closed, b"lost").expect("a closed pipe is not an error");
        /// A writer whose disk is full.
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::StorageFull.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        assert!(write_document(&mut Full, b"x").is_err());
    }
}
