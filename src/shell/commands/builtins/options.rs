//! What the builtins share: bash's option parsing and its `invalid option` error.

use crate::shell::commands::CommandCtx;

/// Parses bash builtin options (`-LP`, `--` ends them; `-` alone is an operand). Returns the
/// flags and the remaining operands, or the invalid option as bash reports it (`-x`, or `--`
/// for any long option).
pub(super) fn builtin_opts<'a>(
    args: &'a [String],
    allowed: &str,
) -> Result<(Vec<char>, &'a [String]), String> {
    let mut flags = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if arg.starts_with("--") {
            return Err("--".to_owned());
        }
        let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
            break;
        };
        for c in body.chars() {
            if !allowed.contains(c) {
                return Err(format!("-{c}"));
            }
            flags.push(c);
        }
        i += 1;
    }
    Ok((flags, args.get(i..).unwrap_or_default()))
}

/// `-bash: NAME: OPT: invalid option` followed by the builtin's usage line; status 2.
pub(super) fn invalid_option(cx: &mut CommandCtx<'_>, name: &str, opt: &str, usage: &str) -> i32 {
    cx.err(format!(
        "-bash: {name}: {opt}: invalid option\n{name}: usage: {usage}\n"
    ));
    2
}
