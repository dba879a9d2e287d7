//! A PHP 8.1 `phpinfo()` page (Ubuntu 22.04's `8.1.2-1ubuntu2.14`) made from the node's host
//! profile, so its hostname, kernel and machine agree with what the SSH decoy's `uname -a`
//! says. It echoes the client's own address and headers, as the real page does.

use super::lures::esc;
use super::profile::ServerKind;
use super::response::Response;
use super::site::{Exchange, Site};

/// The PHP version string.
pub const PHP_VERSION: &str = "8.1.2-1ubuntu2.14";

/// The phpinfo page for `x`.
pub fn page(site: &Site, x: &Exchange<'_>) -> Response {
    let host = &site.host;
    let (api, ini_dir) = match site.server {
        ServerKind::Apache => ("Apache 2.0 Handler", "/etc/php/8.1/apache2"),
        ServerKind::Nginx => ("FPM/FastCGI", "/etc/php/8.1/fpm"),
    };
    let software = site.server.banner();
    let system = format!(
        "Linux {} {} {} {}",
        host.hostname, host.kernel_release, host.kernel_version, host.machine
    );
    let rows = vec![
        ("System", system),
        ("Build Date", "Jan 13 2024 18:20:17".to_owned()),
        ("Build System", "Linux".to_owned()),
        ("Server API", api.to_owned()),
        ("Virtual Directory Support", "disabled".to_owned()),
        ("Configuration File (php.ini) Path", ini_dir.to_owned()),
        ("Loaded Configuration File", format!("{ini_dir}/php.ini")),
        (
            "Scan this dir for additional .ini files",
            format!("{ini_dir}/conf.d"),
        ),
        ("PHP API", "20210902".to_owned()),
        ("PHP Extension", "20210902".to_owned()),
        ("Zend Extension", "420210902".to_owned()),
        ("Debug Build", "no".to_owned()),
        ("Thread Safety", "disabled".to_owned()),
        ("Zend Memory Manager", "enabled".to_owned()),
        ("IPv6 Support", "enabled".to_owned()),
        (
            "Registered PHP Streams",
            "https, ftps, compress.zlib, php, file, glob, data, http, ftp, phar".to_owned(),
        ),
    ];
    let mut server: Vec<(String, String)> = vec![
        (
            "$_SERVER['SERVER_SOFTWARE']".to_owned(),
            software.to_owned(),
        ),
        ("$_SERVER['SERVER_NAME']".to_owned(), x.ectx.host.clone()),
        ("$_SERVER['SERVER_ADDR']".to_owned(), x.local_ip.to_string()),
        (
            "$_SERVER['SERVER_PORT']".to_owned(),
            x.ectx.port.to_string(),
        ),
        ("$_SERVER['REMOTE_ADDR']".to_owned(), x.ip.to_string()),
        (
            "$_SERVER['DOCUMENT_ROOT']".to_owned(),
            "/var/www/html".to_owned(),
        ),
        ("$_SERVER['REQUEST_SCHEME']".to_owned(), "http".to_owned()),
        (
            "$_SERVER['SCRIPT_FILENAME']".to_owned(),
            format!("/var/www/html{}", x.req.path),
        ),
        (
            "$_SERVER['REQUEST_METHOD']".to_owned(),
            x.req.method.clone(),
        ),
        ("$_SERVER['QUERY_STRING']".to_owned(), x.req.query.clone()),
        (
            "$_SERVER['REQUEST_URI']".to_owned(),
            String::from_utf8_lossy(&x.req.target).into_owned(),
        ),
        ("$_SERVER['SCRIPT_NAME']".to_owned(), x.req.path.clone()),
        ("$_SERVER['PHP_SELF']".to_owned(), x.req.path.clone()),
        (
            "$_SERVER['REQUEST_TIME']".to_owned(),
            x.now.timestamp().to_string(),
        ),
    ];
    for (name, value) in x.req.headers.iter().take(40) {
        let key = format!(
            "$_SERVER['HTTP_{}']",
            name.to_ascii_uppercase().replace('-', "_")
        );
        server.push((key, String::from_utf8_lossy(value).into_owned()));
    }
    let table = |rows: &[(String, String)]| -> String {
        rows.iter()
            .map(|(k, v)| {
                format!(
                    "<tr><td class=\"e\">{} </td><td class=\"v\">{} </td></tr>\n",
                    esc(k),
                    esc(v)
                )
            })
            .collect()
    };
    let rows: Vec<(String, String)> = rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let body = format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head>\n<style type=\"text/css\">\nbody {{background-color: #fff; color: #222; font-family: sans-serif;}}\npre {{margin: 0; font-family: monospace;}}\ntable {{border-collapse: collapse; border: 0; width: 934px; box-shadow: 1px 2px 3px #ccc;}}\n.center {{text-align: center;}}\n.center table {{margin: 1em auto; text-align: left;}}\ntd, th {{border: 1px solid #666; font-size: 75%; vertical-align: baseline; padding: 4px 5px;}}\nh1 {{font-size: 150%;}}\nh2 {{font-size: 125%;}}\n.p {{text-align: left;}}\n.e {{background-color: #ccf; width: 300px; font-weight: bold;}}\n.h {{background-color: #99c; font-weight: bold;}}\n.v {{background-color: #ddd; max-width: 300px; overflow-x: auto; word-wrap: break-word;}}\n</style>\n<title>PHP {PHP_VERSION} - phpinfo()</title><meta name=\"ROBOTS\" content=\"NOINDEX,NOFOLLOW,NOARCHIVE\" /></head>\n<body><div class=\"center\">\n<table>\n<tr class=\"h\"><td>\n<h1 class=\"p\">PHP Version {PHP_VERSION}</h1>\n</td></tr>\n</table>\n<table>\n{}</table>\n<h2>PHP Variables</h2>\n<table>\n<tr class=\"h\"><th>Variable</th><th>Value</th></tr>\n{}</table>\n<h2>PHP License</h2>\n<table>\n<tr class=\"v\"><td>\n<p>\nThis program is free software; you can redistribute it and/or modify it under the terms of the PHP License as published by the PHP Group and included in the distribution in the file:  LICENSE\n</p>\n</td></tr>\n</table>\n</div></body></html>",
        table(&rows),
        table(&server),
    );
    Response::html(200, body)
}
