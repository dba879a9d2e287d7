//! The login policy: Cowrie-style userdb or accept-after-N-attempts.
//!
//! [`UserDb`] is the parsed `auth.userdb` list; [`AuthPolicy`] is what the SSH handler asks, one
//! call per password attempt. The policy is built once from [`AuthConfig`] and cloned into every
//! connection; the accept-after state is shared behind a mutex held only for a map lookup.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use regex::{Regex, RegexBuilder};
use sha2::{Digest, Sha256};

use crate::config::{AuthConfig, AuthPolicyKind};

/// How many source addresses the accept-after policy remembers; the oldest is forgotten first.
/// About 100 bytes each, so the table stays under 10 MB whatever the attacker does.
const MAX_TRACKED_IPS: usize = 100_000;

/// One side (user or password) of a userdb line.
#[derive(Debug, Clone)]
enum Matcher {
    /// `*`: anything.
    Any,
    /// A literal, compared exactly (case-sensitive).
    Exact(String),
    /// `/re/` or `/re/i`. Unanchored, like Cowrie's `re.search`: anchor with `^…$` to match the
    /// whole value.
    Regex(Regex),
}

impl Matcher {
    /// Reads one field. `/re/` and `/re/i` need at least one character between the slashes
    /// (Cowrie's `/(.+)/(i)?$`); anything else is a literal.
    fn parse(field: &str) -> Result<Matcher, String> {
        if field == "*" {
            return Ok(Matcher::Any);
        }
        let regex = if field.len() >= 4 && field.starts_with('/') && field.ends_with("/i") {
            field.get(1..field.len() - 2).map(|re| (re, true))
        } else if field.len() >= 3 && field.starts_with('/') && field.ends_with('/') {
            field.get(1..field.len() - 1).map(|re| (re, false))
        } else {
            None
        };
        match regex {
            Some((pattern, case_insensitive)) => RegexBuilder::new(pattern)
                .case_insensitive(case_insensitive)
                .build()
                .map(Matcher::Regex)
                .map_err(|err| format!("bad regular expression /{pattern}/: {err}")),
            None => Ok(Matcher::Exact(field.to_owned())),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Exact(literal) => literal == value,
            Matcher::Regex(regex) => regex.is_match(value),
        }
    }
}

/// One userdb line.
#[derive(Debug, Clone)]
struct Rule {
    /// A deny line: `!` before the password or before the whole line.
    deny: bool,
    user: Matcher,
    password: Matcher,
}

/// Parsed `auth.userdb` lines: who may log in with which password.
///
/// Each line is `user:x:password`; the middle field is ignored, and the password is everything
/// after the second `:` (so it may itself contain `:`). `*` matches any user or password, and
/// `/re/` or `/re/i` (case-insensitive) is a regular expression that, as in Cowrie, matches
/// anywhere in the value (write `/^re$/` to match the whole value). A password starting with
/// `!` (`root:x:!123456`), or a line starting with `!` (`!root:x:123456`), makes the line a deny
/// line. Blank lines and lines starting with `#` are ignored.
///
/// A login is denied if any deny line matches it, else allowed if any allow line matches it, else
/// denied. Cowrie instead lets the first matching line decide; for files written Cowrie's way,
/// with deny lines before the allow lines they carve exceptions from, both rules give the same
/// answer, and ours also makes `root:x:*,!root:x:123456` deny root/123456.
#[derive(Debug, Clone)]
pub struct UserDb {
    rules: Vec<Rule>,
}

impl UserDb {
    /// Parses userdb lines; the error names the bad line (1-based index and text).
    pub fn parse(lines: &[String]) -> Result<UserDb, String> {
        let mut rules = Vec::new();
        for (index, raw) in lines.iter().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let rule =
                parse_rule(line).map_err(|why| format!("line {} ({raw:?}): {why}", index + 1))?;
            rules.push(rule);
        }
        Ok(UserDb { rules })
    }

    /// Whether the credentials are allowed: no deny line matches and some allow line does.
    pub fn allows(&self, user: &str, password: &str) -> bool {
        let mut allowed = false;
        for rule in &self.rules {
            if rule.user.matches(user) && rule.password.matches(password) {
                if rule.deny {
                    return false;
                }
                allowed = true;
            }
        }
        allowed
    }
}

/// Parses one non-blank, non-comment, trimmed line.
fn parse_rule(line: &str) -> Result<Rule, String> {
    let (line_deny, line) = match line.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let mut fields = line.splitn(3, ':');
    let (Some(user), Some(_unused), Some(password)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err("expected user:x:password".into());
    };
    let (password_deny, password) = match password.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, password),
    };
    if user.is_empty() {
        return Err("empty user (use * for any user)".into());
    }
    if password.is_empty() {
        return Err("empty password (use * for any password, /^$/ for the empty one)".into());
    }
    Ok(Rule {
        deny: line_deny || password_deny,
        user: Matcher::parse(user).map_err(|why| format!("user: {why}"))?,
        password: Matcher::parse(password).map_err(|why| format!("password: {why}"))?,
    })
}

/// Decides SSH logins; cheap to clone and shared by all connections (Arc inside), thread-safe.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    inner: Arc<Policy>,
}

#[derive(Debug)]
enum Policy {
    Userdb(UserDb),
    AcceptAfter(AcceptAfter),
}

impl AuthPolicy {
    /// Builds the policy `config` selects. Fails only on a bad `auth.userdb`.
    pub fn from_config(config: &AuthConfig) -> Result<AuthPolicy, String> {
        let policy = match config.policy {
            AuthPolicyKind::Userdb => Policy::Userdb(UserDb::parse(&config.userdb)?),
            AuthPolicyKind::AcceptAfter => {
                Policy::AcceptAfter(AcceptAfter::new(config.accept_after, MAX_TRACKED_IPS))
            }
        };
        Ok(AuthPolicy {
            inner: Arc::new(policy),
        })
    }

    /// Decides one password attempt from `ip`. With `accept_after` this counts the attempt.
    pub fn check_password(&self, ip: IpAddr, user: &str, password: &str) -> bool {
        match &*self.inner {
            Policy::Userdb(db) => db.allows(user, password),
            Policy::AcceptAfter(state) => state.check(ip, user, password),
        }
    }
}

/// Cowrie's `AuthRandom` with a fixed count: per source address, attempts `1..needed` fail,
/// attempt `needed` succeeds whatever it is, and from then on only those credentials succeed.
/// Every attempt counts, repeated credentials included.
#[derive(Debug)]
struct AcceptAfter {
    /// The attempt that succeeds (at least 1).
    needed: u32,
    /// Most addresses remembered.
    capacity: usize,
    table: Mutex<IpTable>,
}

/// Per-address state, with insertion order for eviction.
#[derive(Debug, Default)]
struct IpTable {
    states: HashMap<IpAddr, IpState>,
    /// Addresses oldest first; holds exactly the keys of `states`.
    order: VecDeque<IpAddr>,
}

#[derive(Debug)]
enum IpState {
    /// This many attempts failed so far.
    Counting(u32),
    /// These credentials succeeded; stored as a digest so attacker-sized strings cost nothing.
    Granted([u8; 32]),
}

impl AcceptAfter {
    fn new(needed: u32, capacity: usize) -> AcceptAfter {
        AcceptAfter {
            needed: needed.max(1),
            capacity: capacity.max(1),
            table: Mutex::new(IpTable::default()),
        }
    }

    fn check(&self, ip: IpAddr, user: &str, password: &str) -> bool {
        let digest = credentials_digest(user, password);
        // The lock guards plain map updates that cannot leave it inconsistent, so a poisoned
        // lock is still usable.
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let table = &mut *table;
        if !table.states.contains_key(&ip) {
            while table.states.len() >= self.capacity {
                match table.order.pop_front() {
                    Some(oldest) => {
                        table.states.remove(&oldest);
                    }
                    None => break,
                }
            }
            table.states.insert(ip, IpState::Counting(0));
            table.order.push_back(ip);
        }
        let Some(state) = table.states.get_mut(&ip) else {
            return false;
        };
        match state {
            IpState::Granted(granted) => *granted == digest,
            IpState::Counting(failed) => {
                if failed.saturating_add(1) >= self.needed {
                    *state = IpState::Granted(digest);
                    true
                } else {
                    *failed += 1;
                    false
                }
            }
        }
    }
}

/// An unambiguous digest of a (user, password) pair.
fn credentials_digest(user: &str, password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((user.len() as u64).to_be_bytes());
    hasher.update(user.as_bytes());
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn db(lines: &[&str]) -> UserDb {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        UserDb::parse(&lines).expect("valid userdb")
    }

    fn parse_err(lines: &[&str]) -> String {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        UserDb::parse(&lines).expect_err("invalid userdb")
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn cowrie_example_file() {
        let db = db(&[
            "# Example userdb.txt",
            "",
            "root:x:!root",
            "root:x:!123456",
            "root:x:!/honeypot/i",
            "root:x:*",
            "tomcat:x:*",
            "oracle:x:*",
            "*:x:somepassword",
        ]);
        assert!(!db.allows("root", "root"));
        assert!(!db.allows("root", "123456"));
        assert!(!db.allows("root", "honeypot"));
        assert!(!db.allows("root", "HoneyPot"));
        assert!(
            !db.allows("root", "myHONEYPOT2"),
            "regex matches anywhere, like re.search"
        );
        assert!(db.allows("root", "toor"));
        assert!(db.allows("root", ""));
        assert!(db.allows("tomcat", "root"));
        assert!(db.allows("oracle", "x"));
        assert!(db.allows("admin", "somepassword"));
        assert!(!db.allows("admin", "somepassword2"));
        assert!(!db.allows("admin", "admin"));
        assert!(
            !db.allows("Root", "toor"),
            "literal users are case-sensitive"
        );
    }

    #[test]
    fn default_config_parses_and_denies_the_obvious() {
        let policy = AuthPolicy::from_config(&AuthConfig::default()).expect("default is valid");
        assert!(!policy.check_password(ip(1), "root", "root"));
        assert!(!policy.check_password(ip(1), "root", "123456"));
        assert!(policy.check_password(ip(1), "root", "hunter2"));
        assert!(!policy.check_password(ip(1), "admin", "admin"));
        assert!(policy.check_password(ip(1), "admin", "password"));
        assert!(!policy.check_password(ip(1), "guest", "guest"));
    }

    #[test]
    fn env_contract_deny_line_after_allow_line() {
        // MIRAGE_AUTH_USERDB=root:x:*,!root:x:123456
        let db = db(&["root:x:*", "!root:x:123456"]);
        assert!(!db.allows("root", "123456"));
        assert!(db.allows("root", "1234567"));
        assert!(!db.allows("admin", "123456"));
    }

    #[test]
    fn deny_wins_over_allow_in_any_order() {
        let db = db(&["*:x:*", "root:x:!toor"]);
        assert!(!db.allows("root", "toor"));
        assert!(db.allows("root", "x"));
        assert!(db.allows("toor", "toor"));
        let db = self::db(&["!*:x:/^admin/"]);
        assert!(
            !db.allows("anyone", "admin1"),
            "deny-only database allows nothing"
        );
        assert!(!db.allows("anyone", "other"));
    }

    #[test]
    fn regex_fields_and_case_insensitivity() {
        let db = db(&["/^(ad|ro)/i:x:/^pass.*$/", "/^ubnt$/:x:ubnt"]);
        assert!(db.allows("admin", "password"));
        assert!(db.allows("ROOT", "pass"));
        assert!(
            !db.allows("root", "PASSWORD"),
            "no /i on the password regex"
        );
        assert!(!db.allows("user", "password"));
        assert!(db.allows("ubnt", "ubnt"));
        assert!(!db.allows("UBNT", "ubnt"));
        assert!(!db.allows("ubnt2", "ubnt"));
    }

    #[test]
    fn slash_fields_that_are_not_regexes_are_literals() {
        let db = db(&["//:x:/", "/i:x://i", "/a/x:x:*"]);
        assert!(db.allows("//", "/"));
        assert!(!db.allows("x", "/"));
        assert!(db.allows("/i", "//i"));
        assert!(db.allows("/a/x", "anything"));
        assert!(!db.allows("a", "anything"));
    }

    #[test]
    fn passwords_may_contain_colons() {
        let db = db(&["root:x:a:b:c", "admin:x:!x:y", "admin:x:*"]);
        assert!(db.allows("root", "a:b:c"));
        assert!(!db.allows("root", "a"));
        assert!(!db.allows("admin", "x:y"));
        assert!(db.allows("admin", "x"));
    }

    #[test]
    fn whitespace_and_comments_are_ignored() {
        let db = db(&["  root:x:toor  ", "   ", "# root:x:*", "\t#tomcat:x:*"]);
        assert!(db.allows("root", "toor"));
        assert!(!db.allows("root", "other"));
        assert!(!db.allows("tomcat", "x"));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = parse_err(&["root:x:*", "# fine", "rootpassword"]);
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("rootpassword"), "{err}");

        let err = parse_err(&["root:x"]);
        assert!(err.contains("line 1") && err.contains("root:x"), "{err}");

        let err = parse_err(&["root:x:*", "root:x:/(unclosed/"]);
        assert!(err.contains("line 2") && err.contains("(unclosed"), "{err}");
        assert!(err.contains("regular expression"), "{err}");

        let err = parse_err(&["/[/i:x:*"]);
        assert!(err.contains("line 1") && err.contains("user"), "{err}");

        let err = parse_err(&[":x:pw"]);
        assert!(err.contains("empty user"), "{err}");
        let err = parse_err(&["root:x:", "root:x:!"]);
        assert!(
            err.contains("line 1") && err.contains("empty password"),
            "{err}"
        );
    }

    #[test]
    fn empty_userdb_denies_everyone() {
        let db = db(&[]);
        assert!(!db.allows("root", "root"));
    }

    fn accept_after(needed: u32) -> AuthPolicy {
        let config = AuthConfig {
            policy: AuthPolicyKind::AcceptAfter,
            userdb: vec![],
            accept_after: needed,
        };
        AuthPolicy::from_config(&config).expect("policy")
    }

    #[test]
    fn accept_after_counts_per_ip_and_remembers_credentials() {
        let policy = accept_after(3);
        assert!(!policy.check_password(ip(1), "root", "a"));
        assert!(
            !policy.check_password(ip(2), "root", "a"),
            "other address, own count"
        );
        assert!(!policy.check_password(ip(1), "root", "b"));
        assert!(
            policy.check_password(ip(1), "admin", "c"),
            "third attempt succeeds"
        );
        // From now on only admin/c works for ip(1).
        assert!(policy.check_password(ip(1), "admin", "c"));
        assert!(!policy.check_password(ip(1), "root", "a"));
        assert!(!policy.check_password(ip(1), "admin", "C"));
        assert!(!policy.check_password(ip(1), "admi", "nc"));
        assert!(policy.check_password(ip(1), "admin", "c"));
        // ip(2) is still counting: this is its second attempt, then its third.
        assert!(!policy.check_password(ip(2), "admin", "c"));
        assert!(policy.check_password(ip(2), "x", "y"));
        assert!(!policy.check_password(ip(2), "admin", "c"));
    }

    #[test]
    fn accept_after_one_accepts_the_first_attempt() {
        let policy = accept_after(1);
        assert!(policy.check_password(ip(9), "root", "x"));
        assert!(!policy.check_password(ip(9), "root", "y"));
        assert!(policy.check_password(ip(9), "root", "x"));
        // 0 is refused by config validation; treated as 1 here.
        let policy = accept_after(0);
        assert!(policy.check_password(ip(9), "root", "x"));
    }

    #[test]
    fn accept_after_clones_share_state() {
        let policy = accept_after(2);
        let clone = policy.clone();
        assert!(!policy.check_password(ip(3), "root", "a"));
        assert!(clone.check_password(ip(3), "root", "b"));
        assert!(policy.check_password(ip(3), "root", "b"));
    }

    #[test]
    fn accept_after_forgets_the_oldest_address() {
        let state = AcceptAfter::new(2, 3);
        for last in 1..=3 {
            assert!(!state.check(ip(last), "u", "p"));
        }
        // A fourth address evicts ip(1).
        assert!(!state.check(ip(4), "u", "p"));
        {
            let table = state.table.lock().expect("lock");
            assert_eq!(table.states.len(), 3);
            assert_eq!(table.order.len(), 3);
            assert!(!table.states.contains_key(&ip(1)));
        }
        // ip(1) starts over (and evicts ip(2)); ip(3) keeps its count.
        assert!(!state.check(ip(1), "u", "p"));
        assert!(state.check(ip(3), "u", "p"));
        assert!(state.check(ip(1), "u", "p"));
    }

    #[test]
    fn credentials_digest_is_unambiguous() {
        assert_ne!(credentials_digest("ab", "c"), credentials_digest("a", "bc"));
        assert_eq!(credentials_digest("a", "bc"), credentials_digest("a", "bc"));
    }

    proptest! {
        #[test]
        fn parse_and_allows_never_panic(
            lines in proptest::collection::vec(".{0,40}", 0..6),
            user in ".{0,20}",
            password in ".{0,20}",
        ) {
            if let Ok(db) = UserDb::parse(&lines) {
                let _ = db.allows(&user, &password);
            }
        }

        #[test]
        fn structured_lines_never_panic(
            user in "[!*/a-z:]{0,8}(/i)?",
            password in "[!*/a-z:^$.()\\[\\]]{0,10}(/i)?",
            probe_user in "[a-z]{0,4}",
            probe_password in "[a-z:]{0,6}",
        ) {
            let line = format!("{user}:x:{password}");
            if let Ok(db) = UserDb::parse(&[line]) {
                let _ = db.allows(&probe_user, &probe_password);
            }
        }
    }
}
