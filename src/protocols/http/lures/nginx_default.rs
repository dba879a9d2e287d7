//! A fresh Ubuntu nginx: the Debian welcome page at `/`, nothing else (no favicon, no
//! robots.txt), nginx's 404 for the rest.

use super::static_file;
use crate::protocols::http::site::{Answer, Exchange, Site};

/// `/var/www/html/index.nginx-debian.html` as the package installs it.
const INDEX: &[u8] = include_bytes!("../../../../assets/web/nginx/index.html");

/// The welcome page at `/` and its own name.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    match x.req.path.as_str() {
        "/" | "/index.nginx-debian.html" => Some(static_file(site, x, "text/html", INDEX)),
        _ => None,
    }
}
