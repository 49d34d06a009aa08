//! `smoke op DIR` and `smoke check DIR`: the requests a harness that only runs commands sends
//! to a `smoke --control-dir DIR`. The edge that speaks to that smoke is `control::client`;
//! this module only hands it the folder, as named from the current one. It runs no test and
//! installs no signal handler (the client answers signals itself).

use super::session::Session;
use crate::cli::ControlArgs;
use crate::control::client::{self, Request};

/// `smoke op` (`Request::Op`) or `smoke check` (`Request::Check`): returns the exit code.
pub(crate) fn run(request: Request, args: ControlArgs, session: &Session) -> anyhow::Result<u8> {
    client::run(request, &session.cwd.join(args.dir), args.wait)
}
