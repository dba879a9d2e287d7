//! Small GNU coreutils programs attackers run in their first seconds: `sleep` (which returns
//! at once: the session's clock does not wait), `base64`, `clear` (ncurses), and the command
//! runners `nohup` and `sudo`. The digest programs live in [`checksum`](super::checksum).

use super::{Command, CommandCtx, lookup, try_help, usr_bin};

thread_local! {
    /// How deep command runners (`nohup sudo busybox …`) are nested on this thread.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `command` for a runner (`nohup`, `sudo`, `busybox`), bounding how deep runners may
/// nest so `sudo nohup sudo nohup …` cannot exhaust the stack (past the bound it does nothing).
pub(crate) fn run_nested(command: &dyn Command, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
    let depth = DEPTH.with(|d| d.get());
    if depth >= 16 {
        return 0;
    }
    DEPTH.with(|d| d.set(depth + 1));
    let status = command.run(cx, argv);
    DEPTH.with(|d| d.set(depth));
    status
}

/// The longest `sleep` a session waits for (longer ones wait this long).
const SLEEP_MAX_SECS: f64 = 3_600.0;

/// The seconds a valid `sleep` operand (`5`, `0.5m`, `1h`) stands for.
fn sleep_secs(op: &str) -> f64 {
    let number = op.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = match op.get(number.len()..).unwrap_or("") {
        "m" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        _ => 1.0,
    };
    number.parse::<f64>().map_or(0.0, |n| n * unit)
}

/// `sleep`: checks its operands like GNU sleep, then returns without waiting (with a
/// latency profile, the session waits the time it names).
pub struct Sleep;

impl Command for Sleep {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("sleep")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let operands = argv.get(1..).unwrap_or_default();
        if operands.is_empty() {
            cx.err(format!("sleep: missing operand\n{}", try_help("sleep")));
            return 1;
        }
        let mut ok = true;
        for op in operands {
            let number = op.trim_end_matches(['s', 'm', 'h', 'd']);
            let valid = op.len() - number.len() <= 1
                && !number.is_empty()
                && number.parse::<f64>().is_ok_and(|v| v >= 0.0);
            if !valid {
                let text = format!("sleep: invalid time interval {}\n", cx.quote(op));
                cx.err(text);
                ok = false;
            }
        }
        if ok {
            // With a latency profile the session really waits (in virtual time when
            // replayed): a `sleep` that returns at once is a honeypot tell.
            if cx.state.deception.latency != crate::models::strategy::LatencyProfile::None {
                let secs: f64 = operands.iter().map(|op| sleep_secs(op)).sum();
                crate::host::io_meter::block(std::time::Duration::from_secs_f64(
                    secs.clamp(0.0, SLEEP_MAX_SECS),
                ));
            }
            0
        } else {
            cx.err(try_help("sleep"));
            1
        }
    }
}

/// Reads operand `name` (`-` or none: standard input) for a coreutils filter.
fn input(cx: &mut CommandCtx<'_>, prog: &str, name: &str) -> Option<Vec<u8>> {
    if name == "-" {
        return Some(cx.stdin.to_vec());
    }
    match cx.fs.read(name) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            cx.err(format!("{prog}: {name}: {err}\n"));
            None
        }
    }
}

/// `base64`: encode, or decode with `-d`; `-w N` wraps (76 by default, 0: never).
pub struct Base64;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Command for Base64 {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("base64")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut decode, mut wrap, mut file) = (false, 76usize, None);
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-d" | "--decode" => decode = true,
                "-i" | "--ignore-garbage" => {}
                "-w" | "--wrap" => match args.next().map(|v| v.parse::<usize>()) {
                    Some(Ok(w)) => wrap = w,
                    Some(Err(_)) | None => {
                        cx.err(format!("base64: invalid wrap size\n{}", try_help("base64")));
                        return 1;
                    }
                },
                a if a.starts_with("-w") => match a[2..].parse::<usize>() {
                    Ok(w) => wrap = w,
                    Err(_) => {
                        let text = format!("base64: invalid wrap size: {}\n", cx.quote(&a[2..]));
                        cx.err(text);
                        return 1;
                    }
                },
                a if a.len() > 1 && a.starts_with('-') && !a.starts_with("--") => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    cx.err(format!(
                        "base64: invalid option -- '{c}'\n{}",
                        try_help("base64")
                    ));
                    return 1;
                }
                _ if file.is_some() => {
                    let text = format!(
                        "base64: extra operand {}\n{}",
                        cx.quote(arg),
                        try_help("base64")
                    );
                    cx.err(text);
                    return 1;
                }
                _ => file = Some(arg.clone()),
            }
        }
        let Some(data) = input(cx, "base64", file.as_deref().unwrap_or("-")) else {
            return 1;
        };
        if decode {
            let (bytes, ok) = decode_base64(&data);
            cx.out(bytes);
            if !ok {
                cx.err("base64: invalid input\n");
                return 1;
            }
            return 0;
        }
        let mut text = Vec::with_capacity(data.len() * 4 / 3 + 4);
        for chunk in data.chunks(3) {
            let n = chunk.len();
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= n {
                    text.push(B64[((v >> (18 - 6 * i)) & 63) as usize]);
                } else {
                    text.push(b'=');
                }
            }
        }
        let mut out = Vec::with_capacity(text.len() + text.len() / 64 + 1);
        if wrap == 0 {
            out.extend_from_slice(&text);
            if !out.is_empty() {
                out.push(b'\n');
            }
        } else {
            for line in text.chunks(wrap) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        cx.out(out);
        0
    }
}

/// Decodes base64 (newlines ignored), as far as it is valid; `false` if it was not.
fn decode_base64(data: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut padding = false;
    for &c in data {
        if c == b'\n' {
            continue;
        }
        if c == b'=' {
            padding = true;
            continue;
        }
        let Some(v) = B64.iter().position(|&b| b == c) else {
            return (out, false);
        };
        if padding {
            return (out, false);
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (out, bits < 6 || padding)
}

/// `clear`: the terminal's clear sequence (xterm-256color's, with the scrollback erase).
pub struct Clear;

impl Command for Clear {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("clear")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, _argv: &[String]) -> i32 {
        cx.out("\x1b[H\x1b[2J\x1b[3J");
        0
    }
}

/// `nohup`: runs the command; on a terminal its output goes to `nohup.out`.
pub struct Nohup;

impl Command for Nohup {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("nohup")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let Some(name) = argv.get(1) else {
            cx.err(format!("nohup: missing operand\n{}", try_help("nohup")));
            return 125;
        };
        let Some(command) = lookup(name).filter(|_| name != "nohup") else {
            let text = format!(
                "nohup: failed to run command {}: No such file or directory\n",
                cx.quote(name)
            );
            cx.err(text);
            return 127;
        };
        if cx.terminal().is_some() {
            cx.err("nohup: ignoring input and appending output to 'nohup.out'\n");
        }
        run_nested(command, cx, &argv[1..])
    }
}

/// `sudo`: root runs the command; others are asked for a password they cannot give.
pub struct Sudo;

impl Command for Sudo {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("sudo")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut rest = argv.iter().skip(1).peekable();
        let mut list = false;
        while let Some(arg) = rest.peek() {
            match arg.as_str() {
                "-l" => list = true,
                "-u" | "-g" => {
                    rest.next();
                }
                a if a.starts_with('-') && a.len() > 1 => {}
                _ => break,
            }
            rest.next();
        }
        let command: Vec<String> = rest.cloned().collect();
        if !cx.fs.cred().is_root() && super::offline::realistic(cx) && !cx.state.tty.is_empty() {
            return super::offline::sudo_denied(cx);
        }
        if !cx.fs.cred().is_root() {
            cx.err(
                "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n\
                 sudo: a password is required\n",
            );
            return 1;
        }
        if list && command.is_empty() {
            let host = cx.host.hostname.clone();
            cx.out(format!(
                "Matching Defaults entries for root on {host}:\n    env_reset, mail_badpass,\n    \
                 secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin\\:/snap/bin,\n    \
                 use_pty\n\nUser root may run the following commands on {host}:\n    (ALL : ALL) ALL\n"
            ));
            return 0;
        }
        let Some(name) = command.first() else {
            cx.err("usage: sudo -h | -K | -k | -V\n");
            return 1;
        };
        match lookup(name).filter(|_| name != "sudo") {
            Some(program) => run_nested(program, cx, &command),
            None => {
                cx.err(format!("sudo: {name}: command not found\n"));
                1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU coreutils 9.1 run in a C.UTF-8 locale.

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn sleep_checks_operands() {
        assert_eq!(run_status("sleep 1; sleep 0.5s 2m"), (String::new(), 0));
        assert_eq!(
            run_status("sleep"),
            (
                "sleep: missing operand\nTry 'sleep --help' for more information.\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("sleep x"),
            (
                "sleep: invalid time interval \u{2018}x\u{2019}\nTry 'sleep --help' for more information.\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn base64_like_coreutils() {
        assert_eq!(run_status("echo hi | base64"), ("aGkK\n".into(), 0));
        assert_eq!(run_status("echo aGkK | base64 -d"), ("hi\n".into(), 0));
        assert_eq!(
            run_status("echo '!!' | base64 -d"),
            ("base64: invalid input\n".into(), 1)
        );
        assert_eq!(
            run_status("base64 nofile"),
            ("base64: nofile: No such file or directory\n".into(), 1)
        );
        assert_eq!(
            run_status("echo -n abcdefghijklmnop | base64 -w 8"),
            ("YWJjZGVm\nZ2hpamts\nbW5vcA==\n".into(), 0)
        );
    }

    #[test]
    fn runners() {
        assert_eq!(run_status("clear").0, "\x1b[H\x1b[2J\x1b[3J");
        assert_eq!(
            run_status("nohup"),
            (
                "nohup: missing operand\nTry 'nohup --help' for more information.\n".into(),
                125
            )
        );
        assert_eq!(
            run_status("nohup nosuchcmd"),
            (
                "nohup: failed to run command \u{2018}nosuchcmd\u{2019}: No such file or directory\n"
                    .into(),
                127
            )
        );
        assert_eq!(run_status("nohup echo hi"), ("hi\n".into(), 0));
        assert_eq!(run_status("sudo echo hi"), ("hi\n".into(), 0));
        assert_eq!(
            run_status("sudo nosuch"),
            ("sudo: nosuch: command not found\n".into(), 1)
        );
        assert!(run_status("sudo -l").0.ends_with("    (ALL : ALL) ALL\n"));
        assert_eq!(run_as("deploy", "sudo id").status, 1);
        // Runners nest only so deep; a long chain neither recurses without end nor panics.
        let chain = format!("{}echo hi", "sudo nohup ".repeat(3000));
        assert_eq!(run_status(&chain).1, 0);
        assert_eq!(run_status("sudo nohup busybox echo hi"), ("hi\n".into(), 0));
    }
}
