//! `mktemp` (GNU coreutils): creates a uniquely named file (mode 0600) or directory (0700)
//! from a template in the session's overlay and prints its name.

use rand::Rng;

use super::coreutils_help;
use super::coreutils_misc::standard;
use super::gnu_opts::{Arg, Spec, prog_name};
use super::{Command, CommandCtx, try_help, usr_bin};

/// `mktemp`: creates a uniquely named file (mode 0600) or directory (0700) and prints it.
pub struct Mktemp;

/// The characters mktemp puts in place of the X's.
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Command for Mktemp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("mktemp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('d', "directory", Arg::No),
            ('q', "quiet", Arg::No),
            ('u', "dry-run", Arg::No),
            ('\0', "suffix", Arg::Required),
            ('p', "tmpdir", Arg::Optional),
            ('t', "", Arg::No),
            ('V', "", Arg::No),
        ];
        // `-p DIR` takes its argument as the next word; --tmpdir only as `=DIR`.
        let mut args: Vec<String> = Vec::new();
        let mut rest = argv.iter().skip(1);
        while let Some(arg) = rest.next() {
            if arg == "-p" {
                if let Some(dir) = rest.next() {
                    args.push(format!("--tmpdir={dir}"));
                    continue;
                }
                let prog = prog_name(argv, "mktemp");
                cx.err(format!(
                    "{prog}: option requires an argument -- 'p'\n{}",
                    try_help(prog)
                ));
                return 1;
            }
            args.push(arg.clone());
        }
        let mut full_argv = vec![argv.first().cloned().unwrap_or_default()];
        full_argv.extend(args);
        let (prog, opts, templates) = match standard(
            cx,
            &full_argv,
            "mktemp",
            OPTIONS,
            coreutils_help::MKTEMP,
            "Jim Meyering and Eric Blake",
            1,
        ) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        if opts.iter().any(|o| o.key == "V") {
            let text = cx.coreutils_version_text("mktemp", "Jim Meyering and Eric Blake");
            cx.out(text);
            return 0;
        }
        let has = |k: &str| opts.iter().any(|o| o.key == k);
        let (directory, quiet, dry_run, t_option) =
            (has("directory"), has("quiet"), has("dry-run"), has("t"));
        let tmpdir_opt = opts.iter().rev().find(|o| o.key == "tmpdir");
        let suffix = opts
            .iter()
            .rev()
            .find(|o| o.key == "suffix")
            .and_then(|o| o.value.clone());
        if templates.len() >= 2 {
            cx.err(format!("{prog}: too many templates\n{}", try_help(&prog)));
            return 1;
        }
        let use_dest_dir = templates.is_empty() || tmpdir_opt.is_some() || t_option;
        let template = templates
            .first()
            .cloned()
            .unwrap_or_else(|| "tmp.XXXXXXXXXX".to_owned());
        let (base, suffix) = match &suffix {
            Some(s) => {
                if !template.ends_with('X') {
                    let text = format!(
                        "{prog}: with --suffix, template {} must end in X\n",
                        cx.quote(&template)
                    );
                    cx.err(text);
                    return 1;
                }
                (template.clone(), s.clone())
            }
            None => match template.rfind('X') {
                Some(i) => (template[..=i].to_owned(), template[i + 1..].to_owned()),
                None => (template.clone(), String::new()),
            },
        };
        if suffix.contains('/') {
            let text = format!(
                "{prog}: invalid suffix {}, contains directory separator\n",
                cx.quote(&suffix)
            );
            cx.err(text);
            return 1;
        }
        let x_count = base.len() - base.trim_end_matches('X').len();
        if x_count < 3 {
            let full = format!("{base}{suffix}");
            let text = format!("{prog}: too few X's in template {}\n", cx.quote(&full));
            cx.err(text);
            return 1;
        }
        let env_tmpdir = cx
            .state
            .env
            .get("TMPDIR")
            .filter(|d| !d.is_empty())
            .cloned();
        let dir_arg = tmpdir_opt
            .and_then(|o| o.value.clone())
            .filter(|d| !d.is_empty());
        let dest = if !use_dest_dir {
            None
        } else if t_option {
            if template.contains('/') {
                let text = format!(
                    "{prog}: invalid template, {}, contains directory separator\n",
                    cx.quote(&template)
                );
                cx.err(text);
                return 1;
            }
            Some(env_tmpdir.or(dir_arg).unwrap_or_else(|| "/tmp".to_owned()))
        } else {
            if template.starts_with('/') {
                let text = format!(
                    "{prog}: invalid template, {}; with --tmpdir, it may not be absolute\n",
                    cx.quote(&template)
                );
                cx.err(text);
                return 1;
            }
            Some(dir_arg.or(env_tmpdir).unwrap_or_else(|| "/tmp".to_owned()))
        };
        let prefix = &base[..base.len() - x_count];
        let full_template = match &dest {
            Some(dir) => format!(
                "{}/{prefix}{}{suffix}",
                dir.trim_end_matches('/'),
                "X".repeat(x_count)
            ),
            None => format!("{prefix}{}{suffix}", "X".repeat(x_count)),
        };
        let mut rng = cx.state.rng();
        let mut last_err = None;
        for _ in 0..16 {
            let random: String = (0..x_count.min(4096))
                .map(|_| char::from(LETTERS[rng.gen_range(0..LETTERS.len())]))
                .collect();
            let name = format!(
                "{}{random}{suffix}",
                &full_template[..full_template.len() - x_count - suffix.len()]
            );
            if dry_run {
                cx.out(format!("{name}\n"));
                return 0;
            }
            if cx.fs.exists(&name) {
                continue;
            }
            let result = if directory {
                cx.fs.mkdir(&name, 0o700)
            } else {
                cx.fs.write_data(
                    &name,
                    crate::host::fs::Data::Bytes(Default::default()),
                    0o600,
                )
            };
            match result {
                Ok(()) => {
                    cx.out(format!("{name}\n"));
                    return 0;
                }
                Err(err) => {
                    last_err = Some(err);
                    break;
                }
            }
        }
        if !quiet {
            let what = if directory { "directory" } else { "file" };
            let err = last_err.map_or("File exists".to_owned(), |e| e.to_string());
            let text = format!(
                "{prog}: failed to create {what} via template {}: {err}\n",
                cx.quote(&full_template)
            );
            cx.err(text);
        }
        1
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU coreutils 8.32 `mktemp` with the same arguments.

    use crate::shell::commands::testing::{run, run_as, run_status};

    #[test]
    fn mktemp_creates_in_the_overlay() {
        let out = run("f=$(mktemp); echo $f; ls -l $f | cut -c1-10");
        let mut lines = out.lines();
        let name = lines.next().unwrap_or("");
        assert!(
            name.starts_with("/tmp/tmp.") && name.len() == "/tmp/tmp.".len() + 10,
            "{out}"
        );
        assert_eq!(lines.next(), Some("-rw-------"));
        let out = run("d=$(mktemp -d); ls -ld $d | cut -c1-10");
        assert_eq!(out, "drwx------\n");
        let out = run("cd /tmp; mktemp fooXXX.txt");
        assert!(
            out.starts_with("foo") && out.ends_with(".txt\n") && out.len() == 11,
            "{out}"
        );
        assert!(run("mktemp -p /var/tmp").starts_with("/var/tmp/tmp."));
        assert!(run("TMPDIR=/dev/shm mktemp -u").starts_with("/dev/shm/tmp."));
        assert_eq!(
            run_status("mktemp fooXX"),
            (
                "mktemp: too few X's in template \u{2018}fooXX\u{2019}\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("mktemp a b"),
            (
                "mktemp: too many templates\nTry 'mktemp --help' for more information.\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("mktemp /nonexist/tmp.XXXXXX").0,
            "mktemp: failed to create file via template \u{2018}/nonexist/tmp.XXXXXX\u{2019}: No such file or directory\n"
        );
        assert_eq!(run_as("deploy", "mktemp /root/x.XXX").status, 1);
    }

    #[test]
    fn mktemp_names_replay_identically() {
        let line = "mktemp; mktemp -u; a=$(mktemp); b=$(mktemp); echo $a $b";
        let first = run(line);
        assert_eq!(run(line), first, "a replayed session draws the same names");
        let names: Vec<&str> = first.split_whitespace().collect();
        assert_eq!(names.len(), 4, "{first}");
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), 4, "each call draws a new name: {first}");
        // Another login (another origin) draws other names.
        let shell = crate::shell::commands::testing::shell();
        let mut other = crate::shell::commands::testing::session("root");
        other.set_origin(
            std::net::IpAddr::from([198, 51, 100, 7]),
            crate::host::fixture::now(),
        );
        let out = shell.run_line(&mut other, "mktemp");
        assert_ne!(
            String::from_utf8_lossy(&out.output),
            names[0].to_owned() + "\n"
        );
    }
}
