//! What one command line may spend, all its nested runs together: state copies, script
//! lines, steps, and its argument sizes, so no input outlives or outgrows its line.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::shell::parser::Command;

/// The most bytes one command's arguments may hold, like Linux's `ARG_MAX` (2 MiB).
pub(super) const MAX_ARGV_BYTES: usize = 2 << 20;

/// How many bytes of state one line may copy for subshells, pipeline stages and `$(…)`
/// (each copy costs the state's size plus [`FORK_COST`]). Beyond it, forking fails as it does
/// on a real box that hits its process limit.
pub(super) const FORK_BUDGET: usize = 64 << 20;

/// The fixed part of one copy's cost, so that many copies of a small state also run out.
pub(super) const FORK_COST: usize = 2048;

/// Most script lines one command line may run, all scripts together: a script that runs
/// itself stops here.
pub(super) const SCRIPT_LINE_BUDGET: usize = 100_000;

/// What one command line may spend, shared by everything it runs.
pub(super) struct Budget {
    /// Bytes of state copies left ([`FORK_BUDGET`]).
    pub forks: Cell<usize>,
    /// Script lines left ([`SCRIPT_LINE_BUDGET`]).
    pub script_lines: Cell<usize>,
    /// Events commands recorded (downloads), from every nested run, in order.
    pub events: std::cell::RefCell<Vec<crate::events::EventKind>>,
    /// Simple commands and loop rounds left ([`STEP_BUDGET`]).
    pub steps: Cell<usize>,
    /// Function bodies parsed during this line, by definition text.
    pub functions: RefCell<HashMap<String, Rc<Command>>>,
}

/// Most simple commands (and loop rounds) one command line may run: beyond it the line stops
/// with bash's error for a box out of processes, so `while true; do :; done` ends.
pub(super) const STEP_BUDGET: usize = 100_000;

impl Budget {
    pub(super) fn new() -> Budget {
        Budget {
            forks: Cell::new(FORK_BUDGET),
            script_lines: Cell::new(SCRIPT_LINE_BUDGET),
            events: std::cell::RefCell::new(Vec::new()),
            steps: Cell::new(STEP_BUDGET),
            functions: RefCell::new(HashMap::new()),
        }
    }
}
