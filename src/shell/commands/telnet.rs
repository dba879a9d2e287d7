//! `telnet` (netkit-telnet 0.17, Ubuntu 22.04). It connects nowhere: only this machine's own
//! listeners (the sockets `ss -tln` shows, see [`listens`]) accept, and sshd greets with its
//! banner and then drops the connection; everything else is refused.

use std::net::IpAddr;

use super::netcat::{listens, service};
use super::ping::resolve;
use super::{Command, CommandCtx, usr_bin};
use crate::protocols::ssh::profile::SshProfile;

/// `telnet`.
pub struct Telnet;

impl Command for Telnet {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("telnet")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let operands: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !(a.len() > 1 && a.starts_with('-')))
            .collect();
        let Some(host) = operands.first() else {
            // Interactive mode: the prompt, then end of input.
            cx.out("telnet> \n");
            return 0;
        };
        let port_text = operands.get(1).map_or("telnet", |p| p.as_str());
        let port = match port_text.parse::<u16>() {
            Ok(port) => Some(port),
            Err(_) => (1..=9_000u16).find(|&p| service(p, false) == port_text),
        };
        let Some(port) = port else {
            cx.err(format!(
                "telnet: could not resolve {host}/{port_text}: Servname not supported for ai_socktype\n"
            ));
            return 1;
        };
        let Some(ip) = resolve(cx, host) else {
            cx.err(format!(
                "telnet: could not resolve {host}/{port_text}: Name or service not known\n"
            ));
            return 1;
        };
        cx.out(format!("Trying {ip}...\n"));
        if !listens(cx, ip, port) {
            cx.err("telnet: Unable to connect to remote host: Connection refused\n");
            return 1;
        }
        let shown = if host.parse::<IpAddr>().is_ok() {
            ip.to_string()
        } else {
            host.to_string()
        };
        cx.out(format!(
            "Connected to {shown}.\nEscape character is '^]'.\n"
        ));
        if port == 22 {
            let banner = SshProfile::installed_on(cx.host).banner;
            cx.out(format!("{banner}\r\n"));
        }
        cx.err("Connection closed by foreign host.\n");
        1
    }
}

#[cfg(test)]
mod tests;
