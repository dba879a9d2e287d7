//! Answers for commands the shell does not emulate, given before a line runs (Layer 4, the
//! persona): while [`with_answers`] runs, a simple command whose program is missing or not
//! emulated prints its answer on stdout and exits 0 instead of `command not found`, so pipes
//! and redirections (`foo > out.txt`) treat it like any other command's output.
//!
//! The table is set for one line on the current thread (the shell is synchronous and runs a
//! line on one thread), like the honeytoken read watch; outside [`with_answers`] it is empty.

use std::cell::RefCell;
use std::collections::HashMap;

/// Answers by the command's words joined with single spaces (`foo -x bar`), as
/// [`LineOutcome::unknown_commands`](super::LineOutcome::unknown_commands) names them.
pub type Answers = HashMap<String, String>;

thread_local! {
    static ANSWERS: RefCell<Option<Answers>> = const { RefCell::new(None) };
}

/// Runs `run` with `answers` consulted for missing commands; restores the previous table after.
pub fn with_answers<T>(answers: Answers, run: impl FnOnce() -> T) -> T {
    struct Restore(Option<Answers>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ANSWERS.with(|cell| *cell.borrow_mut() = previous);
        }
    }
    let previous = ANSWERS.with(|cell| cell.borrow_mut().replace(answers));
    let _restore = Restore(previous);
    run()
}

/// The answer for `command` (its words joined with spaces), if one was given.
pub(super) fn answer(command: &str) -> Option<String> {
    ANSWERS.with(|cell| cell.borrow().as_ref()?.get(command).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_apply_only_inside_and_nest() {
        assert_eq!(answer("foo"), None);
        let outer = Answers::from([("foo".to_owned(), "outer\n".to_owned())]);
        with_answers(outer, || {
            assert_eq!(answer("foo").as_deref(), Some("outer\n"));
            with_answers(Answers::new(), || assert_eq!(answer("foo"), None));
            assert_eq!(answer("foo").as_deref(), Some("outer\n"));
        });
        assert_eq!(answer("foo"), None);
    }
}
