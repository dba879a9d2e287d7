//! bash 5.1's `umask` and `ulimit` builtins. Their settings live in the session's
//! [`AdminState`](super::admin_state::AdminState); the limits' defaults follow from the
//! profile's memory (as the kernel derives `threads-max` from it).

use super::{Command, CommandCtx};

/// The login umask: pam_umask's `usergroups` gives 002 to a user whose primary group has
/// the user's name, 022 to root and everyone else.
fn default_umask(cx: &CommandCtx<'_>) -> u32 {
    let account = cx.host.session_account(&cx.state.user);
    if account.uid != 0 && account.uid == account.gid && account.group == account.name {
        0o002
    } else {
        0o022
    }
}

/// `u=rwx,g=rx,o=rx` for `mask`.
fn symbolic(mask: u32) -> String {
    let allowed = !mask & 0o777;
    let part = |who: char, shift: u32| {
        let bits = (allowed >> shift) & 7;
        let mut s = format!("{who}=");
        for (bit, c) in [(4, 'r'), (2, 'w'), (1, 'x')] {
            if bits & bit != 0 {
                s.push(c);
            }
        }
        s
    };
    format!("{},{},{}", part('u', 6), part('g', 3), part('o', 0))
}

/// Applies a symbolic mode (`u=rwx,g-w`) to `mask`, as bash's `symbolic_umask`.
fn apply_symbolic(mask: u32, mode: &str) -> Result<u32, String> {
    let mut allowed = !mask & 0o777;
    for clause in mode.split(',') {
        let chars: Vec<char> = clause.chars().collect();
        let mut i = 0;
        let mut who = 0;
        while i < chars.len() && "ugoa".contains(chars[i]) {
            who |= match chars[i] {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                _ => 0o777,
            };
            i += 1;
        }
        if who == 0 {
            who = 0o777;
        }
        let Some(&op) = chars.get(i) else {
            return Err(String::new());
        };
        if !"=+-".contains(op) {
            return Err(format!("`{op}': invalid symbolic mode operator"));
        }
        i += 1;
        let mut perm = 0;
        for &c in &chars[i..] {
            perm |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                other => return Err(format!("`{other}': invalid symbolic mode character")),
            };
        }
        perm &= who;
        allowed = match op {
            '=' => (allowed & !who) | perm,
            '+' => allowed | perm,
            _ => allowed & !perm,
        };
    }
    Ok(!allowed & 0o777)
}

/// `umask`.
pub struct Umask;

impl Command for Umask {
    fn names(&self) -> &'static [&'static str] {
        &["umask"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut print_p = false;
        let mut print_s = false;
        let mut operands = Vec::new();
        let mut options_done = false;
        for arg in argv.iter().skip(1) {
            if !options_done && arg == "--" {
                options_done = true;
            } else if !options_done && arg.starts_with('-') && arg.len() > 1 {
                for c in arg.chars().skip(1) {
                    match c {
                        'p' => print_p = true,
                        'S' => print_s = true,
                        _ => {
                            cx.err(format!(
                                "-bash: umask: -{c}: invalid option\numask: usage: umask [-p] [-S] [mode]\n"
                            ));
                            return 2;
                        }
                    }
                }
            } else {
                options_done = true;
                operands.push(arg.clone());
            }
        }
        let current = cx.state.admin.umask.unwrap_or_else(|| default_umask(cx));
        let Some(mode) = operands.first() else {
            let shown = if print_s {
                symbolic(current)
            } else {
                format!("{current:04o}")
            };
            if print_p {
                let flag = if print_s { "-S " } else { "" };
                cx.out(format!("umask {flag}{shown}\n"));
            } else {
                cx.out(format!("{shown}\n"));
            }
            return 0;
        };
        let new = if mode.starts_with(|c: char| c.is_ascii_digit()) {
            match u32::from_str_radix(mode, 8) {
                Ok(n) if n <= 0o777 => n,
                _ => {
                    cx.err(format!("-bash: umask: {mode}: octal number out of range\n"));
                    return 1;
                }
            }
        } else {
            match apply_symbolic(current, mode) {
                Ok(n) => n,
                Err(message) => {
                    if !message.is_empty() {
                        cx.err(format!("-bash: umask: {message}\n"));
                    }
                    return 1;
                }
            }
        };
        cx.state.admin.umask = Some(new);
        if print_s {
            cx.out(format!("{}\n", symbolic(new)));
        }
        0
    }
}

/// One resource limit: option letter, description, unit, soft and hard defaults.
struct Limit {
    option: char,
    description: &'static str,
    units: Option<&'static str>,
}

/// The limits in `ulimit -a` order (bash 5.1 on Linux).
const LIMITS: &[Limit] = &[
    Limit {
        option: 'c',
        description: "core file size",
        units: Some("blocks"),
    },
    Limit {
        option: 'd',
        description: "data seg size",
        units: Some("kbytes"),
    },
    Limit {
        option: 'e',
        description: "scheduling priority",
        units: None,
    },
    Limit {
        option: 'f',
        description: "file size",
        units: Some("blocks"),
    },
    Limit {
        option: 'i',
        description: "pending signals",
        units: None,
    },
    Limit {
        option: 'l',
        description: "max locked memory",
        units: Some("kbytes"),
    },
    Limit {
        option: 'm',
        description: "max memory size",
        units: Some("kbytes"),
    },
    Limit {
        option: 'n',
        description: "open files",
        units: None,
    },
    Limit {
        option: 'p',
        description: "pipe size",
        units: Some("512 bytes"),
    },
    Limit {
        option: 'q',
        description: "POSIX message queues",
        units: Some("bytes"),
    },
    Limit {
        option: 'r',
        description: "real-time priority",
        units: None,
    },
    Limit {
        option: 's',
        description: "stack size",
        units: Some("kbytes"),
    },
    Limit {
        option: 't',
        description: "cpu time",
        units: Some("seconds"),
    },
    Limit {
        option: 'u',
        description: "max user processes",
        units: None,
    },
    Limit {
        option: 'v',
        description: "virtual memory",
        units: Some("kbytes"),
    },
    Limit {
        option: 'x',
        description: "file locks",
        units: None,
    },
];

/// The login value of limit `option` (`hard` or soft) on the profile's machine.
fn default_limit(cx: &CommandCtx<'_>, option: char, hard: bool) -> String {
    // The kernel's threads-max is a 32nd of RAM pages; RLIMIT_NPROC and SIGPENDING are half.
    let tasks = cx.host.memory.total_kb / 4 / 32 / 2;
    match option {
        'c' if hard => "unlimited".to_owned(),
        'c' | 'e' | 'r' => "0".to_owned(),
        'i' | 'u' => tasks.to_string(),
        'l' => "65536".to_owned(),
        'n' if hard => "1048576".to_owned(),
        'n' => "1024".to_owned(),
        'p' => "8".to_owned(),
        'q' => "819200".to_owned(),
        's' if hard => "unlimited".to_owned(),
        's' => "8192".to_owned(),
        _ => "unlimited".to_owned(),
    }
}

/// The current value of limit `option`.
fn limit(cx: &CommandCtx<'_>, option: char, hard: bool) -> String {
    let key = format!("{option}{}", if hard { 'H' } else { 'S' });
    cx.state
        .admin
        .limits
        .get(&key)
        .cloned()
        .unwrap_or_else(|| default_limit(cx, option, hard))
}

/// `ulimit`.
pub struct Ulimit;

const ULIMIT_USAGE: &str = "ulimit: usage: ulimit [-SHabcdefiklmnpqrstuvxPT] [limit]\n";

impl Command for Ulimit {
    fn names(&self) -> &'static [&'static str] {
        &["ulimit"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut hard = false;
        let mut soft = false;
        let mut all = false;
        let mut selected: Vec<char> = Vec::new();
        let mut value: Option<String> = None;
        for arg in argv.iter().skip(1) {
            if arg.starts_with('-') && arg.len() > 1 {
                for c in arg.chars().skip(1) {
                    match c {
                        'H' => hard = true,
                        'S' => soft = true,
                        'a' => all = true,
                        c if LIMITS.iter().any(|l| l.option == c) => selected.push(c),
                        'b' | 'k' | 'P' | 'T' => selected.push(c),
                        _ => {
                            cx.err(format!(
                                "-bash: ulimit: -{c}: invalid option\n{ULIMIT_USAGE}"
                            ));
                            return 2;
                        }
                    }
                }
            } else if value.is_none() {
                value = Some(arg.clone());
            } else {
                cx.err(format!("-bash: ulimit: {arg}: invalid number\n"));
                return 1;
            }
        }
        let show_hard = hard && !soft;
        if all {
            let mut out = String::new();
            for l in LIMITS {
                let unit = match l.units {
                    Some(u) => format!("({u}, -{}) ", l.option),
                    None => format!("(-{}) ", l.option),
                };
                out.push_str(&format!(
                    "{:<20} {:>16}{}\n",
                    l.description,
                    unit,
                    limit(cx, l.option, show_hard)
                ));
            }
            cx.out(out);
            return 0;
        }
        if selected.is_empty() {
            selected.push('f');
        }
        let Some(value) = value else {
            let mut out = String::new();
            let many = selected.len() > 1;
            for option in &selected {
                let shown = limit(cx, *option, show_hard);
                match LIMITS.iter().find(|l| l.option == *option) {
                    Some(l) if many => {
                        let unit = match l.units {
                            Some(u) => format!("({u}, -{}) ", l.option),
                            None => format!("(-{}) ", l.option),
                        };
                        out.push_str(&format!("{:<20} {:>16}{shown}\n", l.description, unit));
                    }
                    _ => out.push_str(&format!("{shown}\n")),
                }
            }
            cx.out(out);
            return 0;
        };
        let parsed = match value.as_str() {
            "unlimited" | "hard" | "soft" => value.clone(),
            v => match v.parse::<u64>() {
                Ok(n) => n.to_string(),
                Err(_) => {
                    cx.err(format!("-bash: ulimit: {v}: invalid number\n"));
                    return 1;
                }
            },
        };
        let option = selected[0];
        let Some(l) = LIMITS.iter().find(|l| l.option == option) else {
            return 0;
        };
        let hard_now = limit(cx, option, true);
        let numeric = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
        let parsed = match parsed.as_str() {
            "hard" => hard_now.clone(),
            "soft" => limit(cx, option, false),
            _ => parsed,
        };
        if !cx.state.is_root() && numeric(&parsed) > numeric(&hard_now) {
            cx.err(format!(
                "-bash: ulimit: {}: cannot modify limit: Operation not permitted\n",
                l.description
            ));
            return 1;
        }
        let both = !hard && !soft;
        if hard || both {
            cx.state
                .admin
                .limits
                .insert(format!("{option}H"), parsed.clone());
        }
        if soft || both {
            cx.state.admin.limits.insert(format!("{option}S"), parsed);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from bash 5.1 (Ubuntu 22.04) for the fixed host (4 GiB of RAM).

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn umask_like_bash() {
        assert_eq!(run_status("umask"), ("0022\n".into(), 0));
        assert_eq!(run_status("umask -S"), ("u=rwx,g=rx,o=rx\n".into(), 0));
        assert_eq!(run_status("umask -p"), ("umask 0022\n".into(), 0));
        assert_eq!(run_status("umask 077; umask"), ("0077\n".into(), 0));
        assert_eq!(
            run_status("umask u=rwx,g=,o=; umask -S"),
            ("u=rwx,g=,o=\n".into(), 0)
        );
        assert_eq!(run_status("umask g+w; umask"), ("0002\n".into(), 0));
        assert_eq!(
            run_status("umask 999"),
            ("-bash: umask: 999: octal number out of range\n".into(), 1)
        );
        assert_eq!(
            run_status("umask abc"),
            (
                "-bash: umask: `b': invalid symbolic mode operator\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("umask -z"),
            (
                "-bash: umask: -z: invalid option\numask: usage: umask [-p] [-S] [mode]\n".into(),
                2
            )
        );
        // Users with their own group get pam_umask's 002.
        let outcome = run_as("ubuntu", "umask");
        assert_eq!(String::from_utf8_lossy(&outcome.output), "0002\n");
    }

    #[test]
    fn ulimit_like_bash() {
        assert_eq!(
            run_status("ulimit -a"),
            (
                "core file size          (blocks, -c) 0\n\
                 data seg size           (kbytes, -d) unlimited\n\
                 scheduling priority             (-e) 0\n\
                 file size               (blocks, -f) unlimited\n\
                 pending signals                 (-i) 15486\n\
                 max locked memory       (kbytes, -l) 65536\n\
                 max memory size         (kbytes, -m) unlimited\n\
                 open files                      (-n) 1024\n\
                 pipe size            (512 bytes, -p) 8\n\
                 POSIX message queues     (bytes, -q) 819200\n\
                 real-time priority              (-r) 0\n\
                 stack size              (kbytes, -s) 8192\n\
                 cpu time               (seconds, -t) unlimited\n\
                 max user processes              (-u) 15486\n\
                 virtual memory          (kbytes, -v) unlimited\n\
                 file locks                      (-x) unlimited\n"
                    .into(),
                0
            )
        );
        assert_eq!(run_status("ulimit"), ("unlimited\n".into(), 0));
        assert_eq!(run_status("ulimit -n"), ("1024\n".into(), 0));
        assert_eq!(run_status("ulimit -Hn"), ("1048576\n".into(), 0));
        assert_eq!(
            run_status("ulimit -n 65535; ulimit -n"),
            ("65535\n".into(), 0)
        );
        assert_eq!(
            run_status("ulimit -n abc"),
            ("-bash: ulimit: abc: invalid number\n".into(), 1)
        );
        assert_eq!(
            run_status("ulimit -z"),
            (
                "-bash: ulimit: -z: invalid option\nulimit: usage: ulimit [-SHabcdefiklmnpqrstuvxPT] [limit]\n".into(),
                2
            )
        );
        let outcome = run_as("deploy", "ulimit -n 2000000");
        assert_eq!(
            String::from_utf8_lossy(&outcome.output),
            "-bash: ulimit: open files: cannot modify limit: Operation not permitted\n"
        );
    }
}
