//! How much the persona may spend: model calls per session, and calls and tokens per attacker
//! address and per node, in day windows of the session clock (UTC days).

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

/// Most sessions and addresses tracked in one day; beyond it a new one gets no calls, so an
/// address flood cannot grow the tables without bound.
const MAX_TRACKED: usize = 100_000;

/// The configured limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls per session.
    pub session_calls: u64,
    /// Calls per address per day.
    pub ip_calls: u64,
    /// Tokens per address per day.
    pub ip_tokens: u64,
    /// Calls per node per day.
    pub global_calls: u64,
    /// Tokens per node per day.
    pub global_tokens: u64,
}

/// Which budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// The session's calls.
    Session,
    /// The address's calls or tokens today.
    Address,
    /// The node's calls or tokens today.
    Global,
}

#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    calls: u64,
    tokens: u64,
}

/// What has been spent, by session, by address and in all.
#[derive(Debug)]
pub struct Budgets {
    limits: Limits,
    day: i64,
    sessions: HashMap<String, u64>,
    addresses: HashMap<IpAddr, Spent>,
    global: Spent,
}

impl Budgets {
    /// Nothing spent yet.
    pub fn new(limits: Limits) -> Budgets {
        Budgets {
            limits,
            day: i64::MIN,
            sessions: HashMap::new(),
            addresses: HashMap::new(),
            global: Spent::default(),
        }
    }

    fn roll(&mut self, now: DateTime<Utc>) {
        let day = now.timestamp().div_euclid(86_400);
        if day != self.day {
            self.day = day;
            self.addresses.clear();
            self.global = Spent::default();
            // Sessions rarely outlive a day; their table is only cleared so it stays bounded.
            if self.sessions.len() >= MAX_TRACKED {
                self.sessions.clear();
            }
        }
    }

    /// Takes one call for `session` from `ip` at `now`, or says which budget is spent.
    pub fn take_call(
        &mut self,
        session: &str,
        ip: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<(), Exhausted> {
        self.roll(now);
        let limits = self.limits;
        let session_calls = self.sessions.get(session).copied().unwrap_or(0);
        if session_calls >= limits.session_calls
            || (!self.sessions.contains_key(session) && self.sessions.len() >= MAX_TRACKED)
        {
            return Err(Exhausted::Session);
        }
        let address = self.addresses.get(&ip).copied().unwrap_or_default();
        if address.calls >= limits.ip_calls
            || address.tokens >= limits.ip_tokens
            || (!self.addresses.contains_key(&ip) && self.addresses.len() >= MAX_TRACKED)
        {
            return Err(Exhausted::Address);
        }
        if self.global.calls >= limits.global_calls || self.global.tokens >= limits.global_tokens {
            return Err(Exhausted::Global);
        }
        *self.sessions.entry(session.to_owned()).or_default() += 1;
        self.addresses.entry(ip).or_default().calls += 1;
        self.global.calls += 1;
        Ok(())
    }

    /// Charges `tokens` (the API's `usage`) to `ip` and the node for the day of `now`.
    pub fn charge_tokens(&mut self, ip: IpAddr, tokens: u64, now: DateTime<Utc>) {
        self.roll(now);
        if let Some(spent) = self.addresses.get_mut(&ip) {
            spent.tokens = spent.tokens.saturating_add(tokens);
        }
        self.global.tokens = self.global.tokens.saturating_add(tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            session_calls: 2,
            ip_calls: 3,
            ip_tokens: 100,
            global_calls: 5,
            global_tokens: 1000,
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn each_budget_stops_calls_once_spent() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let mut budgets = Budgets::new(limits());
        budgets.take_call("s1", a, at(0)).unwrap();
        budgets.take_call("s1", a, at(1)).unwrap();
        assert_eq!(budgets.take_call("s1", a, at(2)), Err(Exhausted::Session));
        budgets.take_call("s2", a, at(3)).unwrap();
        assert_eq!(budgets.take_call("s3", a, at(4)), Err(Exhausted::Address));
        budgets.take_call("s4", b, at(5)).unwrap();
        budgets.take_call("s4", b, at(6)).unwrap();
        assert_eq!(budgets.take_call("s5", b, at(7)), Err(Exhausted::Global));
    }

    #[test]
    fn tokens_count_per_address_and_the_day_resets_them() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let mut budgets = Budgets::new(limits());
        budgets.take_call("s1", a, at(0)).unwrap();
        budgets.charge_tokens(a, 100, at(0));
        assert_eq!(budgets.take_call("s2", a, at(10)), Err(Exhausted::Address));
        // The next UTC day of the session clock: the address may call again.
        budgets.take_call("s2", a, at(86_400)).unwrap();
    }
}
