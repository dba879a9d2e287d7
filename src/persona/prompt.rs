//! The chat messages for one command: a system message that makes the model a terminal of the
//! fake host (its name, OS, kernel, users, the machine's style), then the session's cwd, recent
//! history and the command.

use serde::Serialize;

use crate::host::HostProfile;

/// The machine's character, as `persona.style` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A maintained server with services and logs.
    Sysadmin,
    /// A developer's box with toolchains and projects.
    Developer,
    /// A freshly provisioned, nearly empty VPS.
    FreshVps,
}

impl Style {
    /// The style a config names; an unknown name is the sysadmin style.
    pub fn parse(name: &str) -> Style {
        match name {
            "developer" => Style::Developer,
            "fresh_vps" => Style::FreshVps,
            _ => Style::Sysadmin,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Style::Sysadmin => {
                "a production server maintained by a careful sysadmin: services, cron jobs, logs and backups are in place"
            }
            Style::Developer => {
                "a developer's machine: git, compilers, Python, Node.js and a few project checkouts in home directories"
            }
            Style::FreshVps => {
                "a freshly provisioned cloud VPS: almost nothing is installed or configured beyond the base image"
            }
        }
    }
}

/// What the prompt says about the fake host; the same for every session of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// Stable id of the profile, part of the cache key.
    pub id: String,
    /// Host name.
    pub hostname: String,
    /// Distribution name (`Debian GNU/Linux 12 (bookworm)`).
    pub os: String,
    /// `uname -srm`.
    pub kernel: String,
    /// Login names: root, then the accounts from uid 1000.
    pub users: Vec<String>,
}

impl HostFacts {
    /// The facts of `host`.
    pub fn of(host: &HostProfile) -> HostFacts {
        HostFacts {
            id: format!("{}:{}", host.hostname, host.machine_id),
            hostname: host.hostname.clone(),
            os: host.distro.clone(),
            kernel: format!(
                "{} {} {}",
                host.kernel_name, host.kernel_release, host.machine
            ),
            users: std::iter::once("root".to_owned())
                .chain(host.users.iter().map(|u| u.name.clone()))
                .collect(),
        }
    }
}

/// What one request is about: the session's side of the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptInput {
    /// The user the shell runs as.
    pub user: String,
    /// The working directory.
    pub cwd: String,
    /// The most recent history lines, oldest first.
    pub history: Vec<String>,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `system` or `user`.
    pub role: &'static str,
    /// The text.
    pub content: String,
}

/// The messages that ask what `command` prints.
pub fn messages(
    host: &HostFacts,
    style: Style,
    input: &PromptInput,
    command: &str,
) -> Vec<Message> {
    let system = format!(
        "You are the bash shell of a Linux machine. Hostname: {host}. OS: {os}. Kernel: {kernel}. \
         Users: {users}. The machine is {style}.\n\
         Reply with exactly the raw text the command prints to the terminal and nothing else: \
         no explanations, no markdown, no code fences, no prompt, no repetition of the command. \
         If the command prints nothing, reply with an empty message. Stay consistent with a real \
         machine of this kind. Never say you are an AI, a model or a simulation.",
        host = host.hostname,
        os = host.os,
        kernel = host.kernel,
        users = host.users.join(", "),
        style = style.describe(),
    );
    let mut user = format!("User: {}\nWorking directory: {}\n", input.user, input.cwd);
    if !input.history.is_empty() {
        user.push_str("Recent commands:\n");
        for line in &input.history {
            user.push_str(line);
            user.push('\n');
        }
    }
    user.push_str("Command:\n");
    user.push_str(command);
    vec![
        Message {
            role: "system",
            content: system,
        },
        Message {
            role: "user",
            content: user,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> HostFacts {
        HostFacts {
            id: "web01:abc".into(),
            hostname: "web01".into(),
            os: "Debian GNU/Linux 12 (bookworm)".into(),
            kernel: "Linux 6.1.0-13-amd64 x86_64".into(),
            users: vec!["root".into(), "deploy".into()],
        }
    }

    #[test]
    fn the_prompt_names_host_style_cwd_history_and_command() {
        let input = PromptInput {
            user: "root".into(),
            cwd: "/var/www".into(),
            history: vec!["cd /var/www".into(), "ls".into()],
        };
        let msgs = messages(&facts(), Style::Developer, &input, "terraform plan");
        assert_eq!(msgs.len(), 2);
        let system = &msgs[0].content;
        for part in [
            "web01",
            "bookworm",
            "6.1.0-13-amd64",
            "root, deploy",
            "developer",
        ] {
            assert!(system.contains(part), "{part} missing from {system}");
        }
        let user = &msgs[1].content;
        assert!(user.contains("/var/www"));
        assert!(user.contains("cd /var/www\nls\n"));
        assert!(user.ends_with("Command:\nterraform plan"));
        let fresh = messages(&facts(), Style::FreshVps, &input, "x");
        assert!(fresh[0].content.contains("freshly provisioned"));
    }

    #[test]
    fn styles_parse_by_config_name() {
        assert_eq!(Style::parse("fresh_vps"), Style::FreshVps);
        assert_eq!(Style::parse("developer"), Style::Developer);
        assert_eq!(Style::parse("sysadmin"), Style::Sysadmin);
    }
}
