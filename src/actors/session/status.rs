//! [`LastStatus`]: what `$?` holds in a session's shell, for transports that report it (the
//! replay checks each step's exit status; SSH has no way to ask).

use actix::prelude::*;

use super::SessionActor;

/// Asks for the exit status of the shell's last line. Answered after every message sent to
/// the session before it, so it also marks that they have been handled.
#[derive(Message)]
#[rtype(result = "i32")]
pub struct LastStatus;

impl Handler<LastStatus> for SessionActor {
    type Result = i32;

    fn handle(&mut self, _: LastStatus, _: &mut Context<Self>) -> i32 {
        self.state.last_status
    }
}
