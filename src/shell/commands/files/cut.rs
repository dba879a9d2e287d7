//! Columns of lines: `cut` (GNU coreutils), on files or standard input.

use super::content::read_input;
use super::opts::{self, HELP, Opt, VERSION, flag, long, short, with_arg};
use super::text::lines;
use super::{help_or_version, prog, quotef, usage_error};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `cut`.
pub struct Cut;

const CUT_SPEC: &[Opt] = &[
    with_arg('b', "bytes"),
    with_arg('c', "characters"),
    with_arg('d', "delimiter"),
    with_arg('f', "fields"),
    short('n', "n"),
    long("complement"),
    flag('s', "only-delimited"),
    with_arg('\0', "output-delimiter"),
    flag('z', "zero-terminated"),
    HELP,
    VERSION,
];

/// Parses a cut list (`1,3-5,7-`) into inclusive ranges from 1.
fn parse_list(text: &str) -> Result<Vec<(usize, usize)>, &'static str> {
    let mut ranges = Vec::new();
    for part in text.split([',', ' ']) {
        if part.is_empty() {
            return Err("invalid byte, character or field list");
        }
        let (from, to) = match part.split_once('-') {
            Some((a, b)) => (
                if a.is_empty() {
                    1
                } else {
                    a.parse()
                        .map_err(|_| "invalid byte, character or field list")?
                },
                if b.is_empty() {
                    usize::MAX
                } else {
                    b.parse()
                        .map_err(|_| "invalid byte, character or field list")?
                },
            ),
            None => {
                let n: usize = part
                    .parse()
                    .map_err(|_| "invalid byte, character or field list")?;
                (n, n)
            }
        };
        if from == 0 || to == 0 {
            return Err("fields are numbered from 1");
        }
        if from > to {
            return Err("invalid decreasing range");
        }
        ranges.push((from, to));
    }
    Ok(ranges)
}

impl Command for Cut {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("cut")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), CUT_SPEC, true);
        let authors = "David M. Ihnat, David MacKenzie, and Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "cut", authors, |cx| {
            super::help::text(cx, "cut", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let lists: Vec<(&str, &str)> = args
            .opts
            .iter()
            .filter(|(id, _)| matches!(*id, "bytes" | "characters" | "fields"))
            .map(|(id, v)| (*id, v.as_deref().unwrap_or("")))
            .collect();
        let (kind, list) = match lists.as_slice() {
            [] => {
                let message =
                    format!("{prog}: you must specify a list of bytes, characters, or fields\n");
                return usage_error(cx, &prog, &message, 1);
            }
            [one] => *one,
            _ => {
                let message = format!("{prog}: only one type of list may be specified\n");
                return usage_error(cx, &prog, &message, 1);
            }
        };
        let ranges = match parse_list(list) {
            Ok(ranges) => ranges,
            Err(message) => {
                return usage_error(cx, &prog, &format!("{prog}: {message}\n"), 1);
            }
        };
        let delimiter = match args.value("delimiter") {
            Some(d) if d.chars().count() == 1 => d.as_bytes().to_vec(),
            Some("") => b"\0".to_vec(),
            Some(_) => {
                let message = format!("{prog}: the delimiter must be a single character\n");
                return usage_error(cx, &prog, &message, 1);
            }
            None => b"\t".to_vec(),
        };
        if kind != "fields" && (args.has("delimiter") || args.has("only-delimited")) {
            let message = if args.has("delimiter") {
                format!(
                    "{prog}: an input delimiter may be specified only when operating on fields\n"
                )
            } else {
                format!(
                    "{prog}: suppressing non-delimited lines makes sense\n\tonly when operating on fields\n"
                )
            };
            return usage_error(cx, &prog, &message, 1);
        }
        let output_delimiter = args
            .value("output-delimiter")
            .map_or_else(|| delimiter.clone(), |d| d.as_bytes().to_vec());
        let complement = args.has("complement");
        let selected = |n: usize| ranges.iter().any(|(a, b)| *a <= n && n <= *b) != complement;
        let files = if args.operands.is_empty() {
            vec!["-".to_owned()]
        } else {
            args.operands.clone()
        };
        let mut status = 0;
        for file in &files {
            let data = match read_input(cx, file) {
                Ok(data) => data,
                Err(err) => {
                    let quoted = quotef(cx, file);
                    cx.err(format!("{prog}: {quoted}: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            let mut out = Vec::new();
            for line in lines(&data) {
                match kind {
                    "fields" => {
                        let d = delimiter.first().copied().unwrap_or(b'\t');
                        if !line.contains(&d) {
                            if !args.has("only-delimited") {
                                out.extend_from_slice(line);
                                out.push(b'\n');
                            }
                            continue;
                        }
                        let mut first = true;
                        for (i, field) in line.split(|b| *b == d).enumerate() {
                            if selected(i + 1) {
                                if !first {
                                    out.extend_from_slice(&output_delimiter);
                                }
                                out.extend_from_slice(field);
                                first = false;
                            }
                        }
                    }
                    "characters" => {
                        let text = String::from_utf8_lossy(line);
                        for (i, c) in text.chars().enumerate() {
                            if selected(i + 1) {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                    }
                    _ => {
                        for (i, b) in line.iter().enumerate() {
                            if selected(i + 1) {
                                out.push(*b);
                            }
                        }
                    }
                }
                out.push(b'\n');
            }
            cx.out(out);
        }
        status
    }
}
