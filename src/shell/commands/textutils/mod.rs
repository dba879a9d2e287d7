//! Text filters from GNU coreutils and util-linux: `tr`, `tac`, `nl` and `rev`.

mod lines;
mod tr;

pub use lines::{Nl, Rev, Tac};
pub use tr::Tr;
