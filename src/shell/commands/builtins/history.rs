//! `history`: the numbered list of lines entered, and its options.

use super::options::invalid_option;
use crate::shell::commands::{Command, CommandCtx};

/// `history`: the numbered list of lines entered.
pub struct History;

const HISTORY_USAGE: &str =
    "history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]";

impl Command for History {
    fn names(&self) -> &'static [&'static str] {
        &["history"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        // `-d` takes an argument, so options are parsed by hand.
        let mut rest = args;
        let mut clear = false;
        let mut delete: Option<String> = None;
        let mut print_args = false;
        let mut store_args = false;
        while let Some(arg) = rest.first() {
            if arg == "--" {
                rest = &rest[1..];
                break;
            }
            if arg.starts_with("--") {
                return invalid_option(cx, "history", "--", HISTORY_USAGE);
            }
            let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
                break;
            };
            rest = &rest[1..];
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                match c {
                    'c' => clear = true,
                    'a' | 'n' | 'r' | 'w' => {}
                    'p' => print_args = true,
                    's' => store_args = true,
                    'd' => {
                        let inline: String = chars.by_ref().collect();
                        if !inline.is_empty() {
                            delete = Some(inline);
                        } else if let Some(next) = rest.first() {
                            delete = Some(next.clone());
                            rest = &rest[1..];
                        } else {
                            cx.err(
                                "-bash: history: -d: option requires an argument\n".to_owned()
                                    + "history: usage: "
                                    + HISTORY_USAGE
                                    + "\n",
                            );
                            return 2;
                        }
                    }
                    other => {
                        return invalid_option(cx, "history", &format!("-{other}"), HISTORY_USAGE);
                    }
                }
            }
        }
        let state = &mut *cx.state;
        if clear {
            state.history.clear();
            state.history_base = 0;
            return 0;
        }
        if let Some(offset) = delete {
            let n: Option<i64> = offset.trim().parse().ok();
            let total = state.history.len() as i64;
            let base = state.history_base as i64;
            let index = match n {
                Some(n) if n < 0 && -n <= total => Some((total + n) as usize),
                Some(n) if n > base && n - base <= total => Some((n - base - 1) as usize),
                _ => None,
            };
            let Some(index) = index else {
                cx.err(format!(
                    "-bash: history: {offset}: history position out of range\n"
                ));
                return 1;
            };
            state.history.remove(index);
            return 0;
        }
        if print_args {
            let text: String = rest.iter().map(|a| format!("{a}\n")).collect();
            cx.out(text);
            return 0;
        }
        if store_args {
            if !rest.is_empty() {
                // Replaces the `history -s …` line itself, as bash does.
                state.history.pop();
                state.history.push(&rest.join(" "));
            }
            return 0;
        }
        if rest.len() > 1 {
            cx.err("-bash: history: too many arguments\n");
            return 1;
        }
        let count = match rest.first() {
            None => state.history.len(),
            Some(n) => match n.trim().parse::<i64>() {
                Ok(n) if n >= 0 => (n as usize).min(state.history.len()),
                _ => {
                    cx.err(format!("-bash: history: {n}: numeric argument required\n"));
                    return 1;
                }
            },
        };
        let skip = state.history.len() - count;
        let mut text = String::new();
        for (i, line) in state.history.iter().enumerate().skip(skip) {
            text.push_str(&format!("{:>5}  {line}\n", state.history_base + i + 1));
        }
        cx.out(text);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::run;

    #[test]
    fn history_format_and_options() {
        assert_eq!(run("history"), "    1  history\n");
        let shell = std::sync::Arc::new(crate::shell::commands::testing::host());
        let shell = crate::shell::Shell::new(shell);
        let mut state = crate::shell::ShellState::login("root");
        for line in ["ls", "cd /tmp", " hidden", "ls", "ls"] {
            shell.run_line(&mut state, line);
        }
        let out = shell.run_line(&mut state, "history");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "    1  ls\n    2  cd /tmp\n    3  ls\n    4  history\n"
        );
        let out = shell.run_line(&mut state, "history 2");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "    4  history\n    5  history 2\n"
        );
        let out = shell.run_line(&mut state, "history abc");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: abc: numeric argument required\n"
        );
        assert_eq!(out.status, 1);
        let out = shell.run_line(&mut state, "history 2 3");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: too many arguments\n"
        );
        let out = shell.run_line(&mut state, "history -d 99");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: 99: history position out of range\n"
        );
        let out = shell.run_line(&mut state, "history -x");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: -x: invalid option\nhistory: usage: history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]\n"
        );
        let out = shell.run_line(&mut state, "history -c; history");
        assert_eq!(out.output, b"");
        let out = shell.run_line(&mut state, "history");
        assert_eq!(String::from_utf8_lossy(&out.output), "    1  history\n");
    }

    #[test]
    fn history_numbers_continue_past_the_cap() {
        let shell =
            crate::shell::Shell::new(std::sync::Arc::new(crate::shell::commands::testing::host()));
        let mut state = crate::shell::ShellState::login("root");
        for i in 0..1200 {
            shell.run_line(&mut state, &format!("true {i}"));
        }
        let out = shell.run_line(&mut state, "history 2");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            " 1200  true 1199\n 1201  history 2\n"
        );
    }
}
