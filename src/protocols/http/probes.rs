//! The paths scanners probe on every site, answered as the lure's install would.
//!
//! `/.env`, `/.git/config`, `/config.php.bak`: the planted honeytoken file when the node has
//! one there ([`Honeytokens::lure_file`](crate::honeytokens::Honeytokens::lure_file)), else the
//! lure's "not found". `/server-status`: Apache's mod_status refuses remote clients (403);
//! nginx has none (404). `/phpinfo.php`: a PHP 8.1 `phpinfo()` on the lures that run PHP
//! ([`super::phpinfo`]), 404 elsewhere. `/actuator/env`: no lure is a Spring application, so
//! it is not found. `robots.txt` and `favicon.ico` belong to each lure.

use super::lures::{self, static_file};
use super::phpinfo;
use super::profile::ServerKind;
use super::site::{Answer, Exchange, Site};
use crate::config::HttpLure;

/// The probe answer for `x`, if its path is a probe path this site answers specially.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    let path = x.req.path.as_str();
    match path {
        "/.env" | "/.git/config" | "/config.php.bak" => {
            let file = site.honeytokens.lure_file(path)?;
            let mut answer = static_file(site, x, file.content_type, &file.body);
            if answer.response.status == 200 && x.req.method != "HEAD" {
                answer.token = Some((file.token, format!("{} {path}", x.req.method)));
            }
            Some(answer)
        }
        "/server-status" if site.server == ServerKind::Apache => {
            Some(site.server.error(403, &x.ectx).into())
        }
        "/phpinfo.php" | "/info.php" if runs_php(site.lure) => Some(phpinfo::page(site, x).into()),
        "/phpinfo.php" | "/info.php" | "/actuator/env" | "/server-status" => {
            Some(lures::not_found(site, x).into())
        }
        _ => None,
    }
}

/// Whether the lure's site runs PHP.
fn runs_php(lure: HttpLure) -> bool {
    matches!(
        lure,
        HttpLure::Wordpress | HttpLure::Phpmyadmin | HttpLure::Webmail
    )
}
