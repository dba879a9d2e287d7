//! `export`: exporting variables and listing them as `declare -x`.

use super::options::{builtin_opts, invalid_option};
use crate::shell::commands::{Command, CommandCtx};

/// `export`: marks variables exported, or lists them as `declare -x`.
pub struct Export;

/// A value as `declare -x` shows it: in double quotes, with `"`, `\`, `$` and `` ` `` escaped.
fn declare_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Command for Export {
    fn names(&self) -> &'static [&'static str] {
        &["export"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (flags, operands) = match builtin_opts(args, "fnp") {
            Ok(parsed) => parsed,
            Err(opt) => {
                return invalid_option(
                    cx,
                    "export",
                    &opt,
                    "export [-fn] [name[=value] ...] or export -p",
                );
            }
        };
        if operands.is_empty() {
            let mut text = String::new();
            for (name, value) in &cx.state.env {
                text.push_str(&format!("declare -x {name}={}\n", declare_quote(value)));
            }
            cx.out(text);
            return 0;
        }
        let mut status = 0;
        for operand in operands {
            let (name, value) = match operand.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (operand.as_str(), None),
            };
            if !crate::shell::parser::is_name(name) {
                cx.err(format!(
                    "-bash: export: `{operand}': not a valid identifier\n"
                ));
                status = 1;
                continue;
            }
            if flags.contains(&'f') {
                cx.err(format!("-bash: export: {name}: not a function\n"));
                status = 1;
                continue;
            }
            if let Some(value) = &value
                && !cx.state.can_hold(name, value)
            {
                cx.err(format!(
                    "-bash: xmalloc: cannot allocate {} bytes\n",
                    value.len()
                ));
                status = 1;
                continue;
            }
            if flags.contains(&'n') {
                if let Some(value) = value {
                    cx.state.set_var(name, value);
                }
                cx.state.unexport(name);
            } else {
                cx.state.export(name, value);
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn export_lists_and_sets() {
        assert_eq!(
            run("export A='a\"b$c\\d`e'; export | grep -v x; export -p"),
            [
                    "declare -x A=\"a\\\"b\\$c\\\\d\\`e\"",
                    "declare -x HOME=\"/root\"",
                    "declare -x LANG=\"C.UTF-8\"",
                    "declare -x LOGNAME=\"root\"",
                    "declare -x MAIL=\"/var/mail/root\"",
                    "declare -x PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin\"",
                    "declare -x PWD=\"/root\"",
                    "declare -x SHELL=\"/bin/bash\"",
                    "declare -x SHLVL=\"1\"",
                    "declare -x USER=\"root\"",
                "",
            ]
            .join("\n")
        );
        assert_eq!(
            run("X=1; export X; export | grep X; echo $X"),
            "declare -x X=\"1\"\n1\n"
        );
        assert_eq!(
            run_status("export 1a=b"),
            (
                "-bash: export: `1a=b': not a valid identifier\n".to_owned(),
                1
            )
        );
        assert_eq!(
            run_status("export -x"),
            (
                "-bash: export: -x: invalid option\nexport: usage: export [-fn] [name[=value] ...] or export -p\n"
                    .to_owned(),
                2
            )
        );
        assert_eq!(run("V='a  b'; export W=$V; echo \"$W\""), "a  b\n");
    }
}
