//! A fresh Ubuntu Apache: "Apache2 Ubuntu Default Page: It works" at `/` with its logo, the
//! server's own 403 for `/server-status` (see [`crate::protocols::http::probes`]) and 404s.

use super::static_file;
use crate::protocols::http::site::{Answer, Exchange, Site};

/// `/var/www/html/index.html` (our own text under the package's title and headings).
const INDEX: &[u8] = include_bytes!("../../../../assets/web/apache/index.html");
/// `/icons/ubuntu-logo.png`, which the page shows.
const LOGO: &[u8] = include_bytes!("../../../../assets/web/apache/ubuntu-logo.png");

/// The default page and its logo.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    match x.req.path.as_str() {
        "/" | "/index.html" => Some(static_file(site, x, "text/html", INDEX)),
        "/icons/ubuntu-logo.png" => Some(static_file(site, x, "image/png", LOGO)),
        // `/icons/` is Ubuntu's alias of /usr/share/apache2/icons, without `Indexes`.
        "/icons" => Some(
            site.server
                .redirect(301, &format!("{}/icons/", super::base_url(x)), &x.ectx)
                .into(),
        ),
        "/icons/" => Some(site.server.error(403, &x.ectx).into()),
        _ => None,
    }
}
