//! Bash builtins: `echo`, `pwd`, `cd`, `export`, `history`, `true`, `false`, `exit`, `logout`.
//!
//! Builtin errors name the shell first (`-bash: cd: …`), since a login shell's `$0` is
//! `-bash`; the texts were checked against bash 5.2 run as an interactive login shell.
//!
//! One file per family: `echo`; `dirs` (`pwd`, `cd`); `export`; `history`; `exit` (`true`,
//! `false`, `exit`, `logout`); and `options`, the option parsing they share.

mod dirs;
mod echo;
mod exit;
mod export;
mod history;
mod options;

pub use dirs::{Cd, Pwd};
pub use echo::Echo;
pub use exit::{Exit, False, Logout, True};
pub use export::Export;
pub use history::History;
