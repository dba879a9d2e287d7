//! The HTTP decoy's section of [`Config`](super::Config).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Which web site the HTTP decoy pretends to be. Each lure is served by the web server a real
/// install of it runs on (nginx or Apache), with that server's headers and error pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpLure {
    /// A WordPress blog on Apache + PHP 8.1: home page, `/wp-login.php`, `/wp-admin/`,
    /// `/xmlrpc.php`, `/wp-json/`, `robots.txt`.
    Wordpress,
    /// phpMyAdmin on Apache + PHP 8.1: its login form (`pma_username`, `pma_password`).
    Phpmyadmin,
    /// A home router's web admin login, served by the router's nginx.
    Router,
    /// A Roundcube-like webmail login on nginx (`_user`, `_pass`).
    Webmail,
    /// A fresh Ubuntu nginx: "Welcome to nginx!".
    Nginx,
    /// A fresh Ubuntu Apache: "Apache2 Ubuntu Default Page: It works".
    Apache,
}

impl HttpLure {
    /// The name used in the config file and in events.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpLure::Wordpress => "wordpress",
            HttpLure::Phpmyadmin => "phpmyadmin",
            HttpLure::Router => "router",
            HttpLure::Webmail => "webmail",
            HttpLure::Nginx => "nginx",
            HttpLure::Apache => "apache",
        }
    }
}

/// HTTP decoy settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Socket to listen on. Map the public port 80 to it.
    pub listen: SocketAddr,
    /// The site the decoy shows: `wordpress`, `phpmyadmin`, `router`, `webmail`, `nginx` or
    /// `apache`. The default, `nginx`, is a fresh Ubuntu server's welcome page, the most common
    /// thing on a port 80 of a new VPS and consistent with the SSH decoy's fresh host.
    pub lure: HttpLure,
    /// Requests from one client address are one session until it is idle this long.
    pub session_idle_secs: u64,
    /// Requests per minute one client address may make; beyond it the imitated server's own
    /// answer (nginx `limit_req`: 503; Apache `mod_evasive`: 403). 0: no limit.
    pub rate_limit_per_minute: u32,
    /// Failed logins from one address within `login_lockout_secs` before the lure's own
    /// lockout answer (WordPress: "Too many failed login attempts"). 0: never locked out.
    pub login_max_failures: u32,
    /// How long a lockout (and the window its failures are counted in) lasts.
    pub login_lockout_secs: u64,
    /// Most connections one client address may hold open at once; past it a new connection
    /// is closed at once, before any request is read. 0: no cap.
    pub max_connections_per_ip: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            lure: HttpLure::Nginx,
            session_idle_secs: 300,
            rate_limit_per_minute: 300,
            login_max_failures: 5,
            login_lockout_secs: 1200,
            max_connections_per_ip: 50,
        }
    }
}
