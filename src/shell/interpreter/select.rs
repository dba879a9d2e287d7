//! `select name in words; do body; done`: bash's numbered menu (laid out in columns like
//! bash's `print_select_list`), the `$PS3` prompt (`#? `), one line of standard input read
//! into `REPLY` per round. The menu and prompt go to standard error; at the end of input
//! bash prints a new line on standard output and the loop ends with status 1.

use super::exec::{Exec, Flow};
use crate::shell::commands::Stream;
use crate::shell::parser::List;
use crate::shell::state::ShellState;

/// What separates a menu number from its word.
const RP_SPACE: &str = ") ";

/// The terminal width the menu assumes without `$COLUMNS`.
const DEFAULT_COLUMNS: usize = 80;

/// The most entries a menu lists (bounded output for attacker-made lists).
const MAX_MENU_ITEMS: usize = 10_000;

/// How many digits `n` has.
fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Bash's menu: entries down then across, in as many columns as `columns` allows.
fn menu(items: &[String], columns: usize) -> String {
    let items = &items[..items.len().min(MAX_MENU_ITEMS)];
    let len = items.len();
    if len == 0 {
        return "\n".to_owned();
    }
    let indices = digits(len);
    let widest = items.iter().map(|i| i.chars().count()).max().unwrap_or(0);
    let width = widest + indices + RP_SPACE.len() + 2;
    let cols = (columns / width).max(1);
    let mut rows = len.div_ceil(cols);
    let cols = len.div_ceil(rows);
    if rows == 1 {
        // One row fits everything: bash lists it down one column instead.
        rows = cols;
    }
    let first_indices = digits(rows);
    let mut out = String::new();
    for row in 0..rows {
        let mut index = row;
        let mut pos = 0;
        loop {
            let pad = if pos == 0 { first_indices } else { indices };
            let item = &items[index];
            out.push_str(&format!("{:>pad$}{RP_SPACE}{item}", index + 1));
            let used = pad + RP_SPACE.len() + item.chars().count();
            index += rows;
            if index >= len {
                break;
            }
            indent(&mut out, pos + used, pos + width);
            pos += width;
        }
        out.push('\n');
    }
    out
}

/// Bash's `indent`: tabs to each tab stop it can reach, then spaces.
fn indent(out: &mut String, mut from: usize, to: usize) {
    while from < to {
        if to / 8 > from / 8 {
            out.push('\t');
            from += 8 - from % 8;
        } else {
            out.push(' ');
            from += 1;
        }
    }
}

impl Exec<'_> {
    /// Runs a `select` loop over `items`.
    pub(super) fn select(
        &mut self,
        state: &mut ShellState,
        var: &str,
        items: &[String],
        body: &List,
        input: &[u8],
    ) -> Flow {
        let columns = state
            .var("COLUMNS")
            .and_then(|c| c.parse().ok())
            .filter(|c| *c > 0)
            .unwrap_or(DEFAULT_COLUMNS);
        let mut rest = input;
        let mut show_menu = true;
        let mut status;
        loop {
            if !self.step() {
                return Flow::Abort;
            }
            if show_menu {
                let text = menu(items, columns);
                self.emit(Stream::Err, text.as_bytes());
            }
            let prompt = state.var("PS3").unwrap_or("#? ").to_owned();
            self.emit(Stream::Err, prompt.as_bytes());
            if rest.is_empty() {
                self.emit(Stream::Out, b"\n");
                status = 1;
                break;
            }
            let (line, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            let reply = String::from_utf8_lossy(line).trim().to_owned();
            state.set_var("REPLY", reply.clone());
            if reply.is_empty() {
                show_menu = true;
                continue;
            }
            show_menu = false;
            let choice = reply
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or_default();
            if !state.can_hold(var, &choice) {
                self.error(&super::expand::too_large(choice.len()));
                return Flow::Abort;
            }
            state.set_var(var, choice);
            let flow = self.list(state, body, rest);
            status = state.last_status;
            match super::compound::loop_control(flow) {
                Some(Flow::Break(0)) => break,
                Some(flow) => return flow,
                None => {}
            }
        }
        state.last_status = status;
        Flow::Next
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::run;

    #[test]
    fn menu_prompt_and_choices() {
        assert_eq!(
            run("printf '2\\n' | select x in a b c; do echo \"[$x] $REPLY\"; done; echo $?"),
            "1) a\n2) b\n3) c\n#? [b] 2\n#? \n1\n"
        );
        assert_eq!(
            run("echo 9 | select x in a; do echo \"[$x]\"; break; done; echo $?"),
            "1) a\n#? []\n0\n"
        );
        assert_eq!(
            run("PS3='pick: '; select x in a; do :; done < /dev/null"),
            "1) a\npick: \n"
        );
    }

    #[test]
    fn long_menus_go_into_columns() {
        let out = run("select x in $(seq 1 12); do :; done < /dev/null");
        assert_eq!(
            out,
            "1) 1\t 3) 3\t 5) 5\t 7) 7\t 9) 9\t11) 11\n2) 2\t 4) 4\t 6) 6\t 8) 8\t10) 10\t12) 12\n#? \n"
        );
    }
}
