//! `iptables` and `ip6tables` (iptables 1.8.7, nf_tables backend): an empty ruleset with
//! `ACCEPT` policies, plus whatever the session adds, kept in its
//! [`AdminState`](super::admin_state::AdminState) so that `-L` shows it. Nothing reaches a
//! kernel.

use super::admin_state::{MAX_RULES, Rule};
use super::{Command, CommandCtx};

/// The chains of each table.
fn chains(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "filter" => &["INPUT", "FORWARD", "OUTPUT"],
        "nat" => &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        "mangle" => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "raw" => &["PREROUTING", "OUTPUT"],
        "security" => &["INPUT", "FORWARD", "OUTPUT"],
        _ => return None,
    })
}

/// Targets that exist without loading an extension that is missing.
const TARGETS: &[&str] = &[
    "ACCEPT",
    "DROP",
    "REJECT",
    "RETURN",
    "LOG",
    "MASQUERADE",
    "SNAT",
    "DNAT",
    "REDIRECT",
];

/// What one invocation asks for.
#[derive(Default)]
struct Request {
    command: Option<char>,
    chain: Option<String>,
    policy: Option<String>,
    position: Option<String>,
    table: Option<String>,
    numeric: bool,
    verbose: bool,
    line_numbers: bool,
    rule: Option<Rule>,
}

/// `iptables` / `ip6tables`.
pub struct Iptables;

impl Command for Iptables {
    fn names(&self) -> &'static [&'static str] {
        &[
            "iptables",
            "/usr/sbin/iptables",
            "/sbin/iptables",
            "iptables-nft",
            "/usr/sbin/iptables-nft",
            "/sbin/iptables-nft",
            "ip6tables",
            "/usr/sbin/ip6tables",
            "/sbin/ip6tables",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let v6 = argv
            .first()
            .is_some_and(|a| a.rsplit('/').next().unwrap_or(a).starts_with("ip6"));
        let prog = if v6 { "ip6tables" } else { "iptables" };
        let family = if v6 { 6 } else { 4 };
        let fail = |cx: &mut CommandCtx<'_>, message: &str, status: i32| {
            cx.err(format!(
                "{prog} v1.8.7 (nf_tables): {message}\nTry `{prog} -h' or '{prog} --help' for more information.\n"
            ));
            status
        };
        let args = argv.get(1..).unwrap_or_default();
        if args.iter().any(|a| a == "-V" || a == "--version") {
            cx.out(format!("{prog} v1.8.7 (nf_tables)\n"));
            return 0;
        }
        if args.iter().any(|a| a == "-h" || a == "--help") {
            cx.out(format!(
                "{prog} v1.8.7\n\nUsage: {prog} -[ACD] chain rule-specification [options]\n       {prog} -I chain [rulenum] rule-specification [options]\n       {prog} -R chain rulenum rule-specification [options]\n       {prog} -D chain rulenum [options]\n       {prog} -[LS] [chain [rulenum]] [options]\n       {prog} -[FZ] [chain] [options]\n       {prog} -[NX] chain\n       {prog} -E old-chain-name new-chain-name\n       {prog} -P chain target [options]\n       {prog} -h (print this help information)\n"
            ));
            return 0;
        }
        let request = match parse_request(args, family) {
            Ok(request) => request,
            Err(message) => return fail(cx, &message, 2),
        };
        let Some(command) = request.command else {
            return fail(cx, "no command specified", 2);
        };
        let table = request.table.clone().unwrap_or_else(|| "filter".to_owned());
        let Some(table_chains) = chains(&table) else {
            cx.err(format!(
                "{prog} v1.8.7 (nf_tables): table '{table}' does not exist\nPerhaps {prog} or your kernel needs to be upgraded.\n"
            ));
            return 3;
        };
        if !cx.state.is_root() {
            cx.err(format!(
                "{prog} v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n\n"
            ));
            return 4;
        }
        if let Some(chain) = &request.chain
            && !table_chains.contains(&chain.as_str())
        {
            cx.err(format!("{prog}: No chain/target/match by that name.\n"));
            return 1;
        }
        let admin = &mut cx.state.admin;
        match command {
            'L' | 'S' => {
                let selected: Vec<&str> = match &request.chain {
                    Some(chain) => vec![chain.as_str()],
                    None => table_chains.to_vec(),
                };
                let mut out = String::new();
                let mut policies_end = 0;
                for (i, chain) in selected.iter().enumerate() {
                    let policy = policy(admin, family, &table, chain);
                    let rules: Vec<&Rule> = admin
                        .rules
                        .iter()
                        .filter(|r| r.family == family && r.table == table && r.chain == *chain)
                        .collect();
                    if command == 'S' {
                        // `-S` prints every policy first, then the rules.
                        out.insert_str(policies_end, &format!("-P {chain} {policy}\n"));
                        policies_end += format!("-P {chain} {policy}\n").len();
                        for rule in rules {
                            out.push_str(&format!("-A {chain}{}\n", save(rule, v6)));
                        }
                        continue;
                    }
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&listing(chain, &policy, &rules, &request, v6));
                }
                cx.out(out);
                0
            }
            'F' => {
                admin.rules.retain(|r| {
                    r.family != family
                        || r.table != table
                        || request.chain.as_ref().is_some_and(|c| *c != r.chain)
                });
                0
            }
            'Z' => 0,
            'P' => {
                let (Some(chain), Some(target)) = (&request.chain, &request.policy) else {
                    return fail(cx, "-P requires a chain and a policy", 2);
                };
                if !["ACCEPT", "DROP"].contains(&target.as_str()) {
                    cx.err(format!(
                        "{prog}: Bad policy name. Run `dmesg' for more information.\n"
                    ));
                    return 1;
                }
                admin
                    .policies
                    .insert(format!("{family}:{table}:{chain}"), target.clone());
                0
            }
            'A' | 'I' | 'D' => {
                let Some(chain) = request.chain.clone() else {
                    return fail(cx, "option \"-A\" requires an argument", 2);
                };
                if command == 'D'
                    && let Some(position) = &request.position
                    && request.rule.is_none()
                {
                    let index = position.parse::<usize>().ok().and_then(|n| {
                        admin
                            .rules
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| {
                                r.family == family && r.table == table && r.chain == chain
                            })
                            .nth(n.checked_sub(1)?)
                            .map(|(i, _)| i)
                    });
                    return match index {
                        Some(i) => {
                            admin.rules.remove(i);
                            0
                        }
                        None => {
                            cx.err(format!("{prog}: Index of deletion too big.\n"));
                            1
                        }
                    };
                }
                let Some(mut rule) = request.rule.clone() else {
                    return fail(cx, "no command specified", 2);
                };
                rule.table = table.clone();
                rule.chain = chain.clone();
                if command == 'D' {
                    return match admin.rules.iter().position(|r| *r == rule) {
                        Some(i) => {
                            admin.rules.remove(i);
                            0
                        }
                        None => {
                            cx.err(format!(
                                "{prog}: Bad rule (does a matching rule exist in that chain?).\n"
                            ));
                            1
                        }
                    };
                }
                if admin.rules.len() >= MAX_RULES {
                    cx.err(format!(
                        "{prog} v1.8.7 (nf_tables): RULE_APPEND failed (No buffer space available): rule in chain {chain}\n"
                    ));
                    return 4;
                }
                if command == 'A' {
                    admin.rules.push(rule);
                    return 0;
                }
                let wanted = request
                    .position
                    .as_deref()
                    .and_then(|p| p.parse::<usize>().ok())
                    .unwrap_or(1);
                let mut seen = 0;
                let mut at = admin.rules.len();
                for (i, r) in admin.rules.iter().enumerate() {
                    if r.family == family && r.table == table && r.chain == chain {
                        seen += 1;
                        if seen == wanted {
                            at = i;
                            break;
                        }
                    }
                }
                if wanted > seen + 1 {
                    cx.err(format!("{prog}: Index of insertion too big.\n"));
                    return 1;
                }
                admin.rules.insert(at, rule);
                0
            }
            _ => fail(cx, "no command specified", 2),
        }
    }
}

/// The policy of `chain`, changed or `ACCEPT`.
fn policy(admin: &super::admin_state::AdminState, family: u8, table: &str, chain: &str) -> String {
    admin
        .policies
        .get(&format!("{family}:{table}:{chain}"))
        .cloned()
        .unwrap_or_else(|| "ACCEPT".to_owned())
}

/// Parses the options of one invocation.
fn parse_request(args: &[String], family: u8) -> Result<Request, String> {
    let mut request = Request::default();
    let mut rule = Rule {
        family,
        table: String::new(),
        chain: String::new(),
        target: String::new(),
        proto: "all".to_owned(),
        source: None,
        dest: None,
        dport: None,
        sport: None,
        in_iface: None,
        out_iface: None,
    };
    let mut has_rule = false;
    let mut i = 0;
    let value = |i: &mut usize, opt: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("option \"{opt}\" requires an argument"))
    };
    while i < args.len() {
        let arg = args[i].as_str();
        match arg {
            "-L" | "--list" | "-S" | "--list-rules" | "-F" | "--flush" | "-Z" | "--zero" => {
                request.command = Some(match arg {
                    "-L" | "--list" => 'L',
                    "-S" | "--list-rules" => 'S',
                    "-F" | "--flush" => 'F',
                    _ => 'Z',
                });
                if let Some(next) = args.get(i + 1).filter(|n| !n.starts_with('-')) {
                    request.chain = Some(next.clone());
                    i += 1;
                }
            }
            "-A" | "--append" | "-I" | "--insert" | "-D" | "--delete" | "-P" | "--policy" => {
                let letter = match arg {
                    "-A" | "--append" => 'A',
                    "-I" | "--insert" => 'I',
                    "-D" | "--delete" => 'D',
                    _ => 'P',
                };
                if request.command.is_some() {
                    return Err("Can't use -".to_owned()
                        + &letter.to_string()
                        + " with -"
                        + &request.command.unwrap_or('?').to_string());
                }
                request.command = Some(letter);
                request.chain = Some(value(&mut i, arg)?);
                if letter == 'P' {
                    request.policy = Some(value(&mut i, arg)?);
                } else if let Some(next) = args
                    .get(i + 1)
                    .filter(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty())
                {
                    request.position = Some(next.clone());
                    i += 1;
                }
            }
            "-t" | "--table" => request.table = Some(value(&mut i, arg)?),
            "-n" | "--numeric" => request.numeric = true,
            "-v" | "--verbose" => request.verbose = true,
            "--line-numbers" => request.line_numbers = true,
            "-w" | "--wait" | "-x" | "--exact" => {}
            "-p" | "--protocol" => {
                rule.proto = value(&mut i, arg)?.to_ascii_lowercase();
                has_rule = true;
            }
            "-s" | "--source" | "--src" => {
                rule.source = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "-d" | "--destination" | "--dst" => {
                rule.dest = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "-i" | "--in-interface" => {
                rule.in_iface = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "-o" | "--out-interface" => {
                rule.out_iface = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "--dport" | "--destination-port" => {
                rule.dport = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "--sport" | "--source-port" => {
                rule.sport = Some(value(&mut i, arg)?);
                has_rule = true;
            }
            "-m" | "--match" => {
                value(&mut i, arg)?;
            }
            "-j" | "--jump" => {
                let target = value(&mut i, arg)?;
                if !TARGETS.contains(&target.as_str()) {
                    return Err(format!(
                        "Couldn't load target `{target}':No such file or directory\n"
                    ));
                }
                rule.target = target;
                has_rule = true;
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown option \"{other}\""));
            }
            other => return Err(format!("Bad argument `{other}'")),
        }
        i += 1;
    }
    if (rule.dport.is_some() || rule.sport.is_some())
        && !["tcp", "udp"].contains(&rule.proto.as_str())
    {
        return Err("unknown option \"--dport\"".to_owned());
    }
    if has_rule {
        request.rule = Some(rule);
    }
    Ok(request)
}

/// A port's service name, as `/etc/services` gives it (for listings without `-n`).
fn service(port: &str, numeric: bool) -> String {
    if numeric {
        return port.to_owned();
    }
    let name = match port {
        "21" => "ftp",
        "22" => "ssh",
        "23" => "telnet",
        "25" => "smtp",
        "53" => "domain",
        "80" => "http",
        "110" => "pop3",
        "143" => "imap2",
        "443" => "https",
        "3306" => "mysql",
        "5432" => "postgresql",
        "6379" => "redis",
        _ => port,
    };
    name.to_owned()
}

/// An address as `-L` shows it: `anywhere`/`0.0.0.0/0` when absent, without a `/32`.
fn address(addr: Option<&str>, numeric: bool, v6: bool) -> String {
    match addr {
        None if numeric => if v6 { "::/0" } else { "0.0.0.0/0" }.to_owned(),
        None => "anywhere".to_owned(),
        Some(a) => a
            .strip_suffix(if v6 { "/128" } else { "/32" })
            .unwrap_or(a)
            .to_owned(),
    }
}

/// One chain as `-L` lists it.
fn listing(chain: &str, policy: &str, rules: &[&Rule], request: &Request, v6: bool) -> String {
    let numeric = request.numeric;
    let mut out = if request.verbose {
        format!("Chain {chain} (policy {policy} 0 packets, 0 bytes)\n")
    } else {
        format!("Chain {chain} (policy {policy})\n")
    };
    if request.line_numbers {
        out.push_str("num  ");
    }
    if request.verbose {
        out.push_str(" pkts bytes ");
    }
    out.push_str("target     prot opt ");
    if request.verbose {
        out.push_str("in     out     ");
    }
    out.push_str(&format!("{:<19}  {:<19} \n", "source", "destination"));
    for (n, rule) in rules.iter().enumerate() {
        if request.line_numbers {
            out.push_str(&format!("{:<4} ", n + 1));
        }
        if request.verbose {
            out.push_str("    0     0 ");
        }
        out.push_str(&format!("{:<9}  {:<5}-- ", rule.target, rule.proto));
        if request.verbose {
            out.push_str(&format!(
                " {:<6} {:<6} ",
                rule.in_iface.as_deref().unwrap_or("*"),
                rule.out_iface.as_deref().unwrap_or("*")
            ));
        }
        out.push_str(&format!(
            " {:<19}  {:<19} ",
            address(rule.source.as_deref(), numeric, v6),
            address(rule.dest.as_deref(), numeric, v6)
        ));
        if rule.dport.is_some() || rule.sport.is_some() {
            out.push_str(&format!(" {}", rule.proto));
            if let Some(p) = &rule.sport {
                out.push_str(&format!(" spt:{}", service(p, numeric)));
            }
            if let Some(p) = &rule.dport {
                out.push_str(&format!(" dpt:{}", service(p, numeric)));
            }
        }
        if rule.target == "REJECT" {
            out.push_str(if v6 {
                " reject-with icmp6-port-unreachable"
            } else {
                " reject-with icmp-port-unreachable"
            });
        }
        out.push('\n');
    }
    out
}

/// A rule as `-S` prints it after `-A CHAIN`.
fn save(rule: &Rule, v6: bool) -> String {
    let mask = if v6 { "/128" } else { "/32" };
    let with_mask = |a: &str| {
        if a.contains('/') {
            a.to_owned()
        } else {
            format!("{a}{mask}")
        }
    };
    let mut out = String::new();
    if let Some(s) = &rule.source {
        out.push_str(&format!(" -s {}", with_mask(s)));
    }
    if let Some(d) = &rule.dest {
        out.push_str(&format!(" -d {}", with_mask(d)));
    }
    if let Some(i) = &rule.in_iface {
        out.push_str(&format!(" -i {i}"));
    }
    if let Some(o) = &rule.out_iface {
        out.push_str(&format!(" -o {o}"));
    }
    if rule.proto != "all" {
        out.push_str(&format!(" -p {}", rule.proto));
    }
    if rule.dport.is_some() || rule.sport.is_some() {
        out.push_str(&format!(" -m {}", rule.proto));
        if let Some(p) = &rule.sport {
            out.push_str(&format!(" --sport {p}"));
        }
        if let Some(p) = &rule.dport {
            out.push_str(&format!(" --dport {p}"));
        }
    }
    if !rule.target.is_empty() {
        out.push_str(&format!(" -j {}", rule.target));
        if rule.target == "REJECT" {
            out.push_str(if v6 {
                " --reject-with icmp6-port-unreachable"
            } else {
                " --reject-with icmp-port-unreachable"
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
