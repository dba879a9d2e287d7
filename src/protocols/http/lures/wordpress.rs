//! A WordPress 6.4 blog on Apache + PHP 8.1 (theme Twenty Twenty-Two, Limit Login Attempts).
//!
//! Pages: the home page, `/wp-login.php` (form; a POST records `log`/`pwd` and answers with
//! WordPress's message for an unknown user or a wrong password, then the plugin's lockout),
//! `/wp-admin/…` (302 to the login with `redirect_to` and `reauth=1`), `/xmlrpc.php` (GET:
//! "XML-RPC server accepts POST requests only."; POST: `system.listMethods`, and every login
//! method answers fault 403 after recording the credentials in the XML), `/wp-json/` and
//! `/wp-json/wp/v2/users`, the virtual `robots.txt`, `/favicon.ico` (redirect to the W logo, as
//! WordPress does without a site icon), theme and core assets, and the theme's 404 page for
//! everything else.

use super::{LoginOutcome, base_url, esc, fail_login, minutes, static_file, url_encode};
use crate::protocols::http::response::Response;
use crate::protocols::http::site::{Answer, Exchange, Site};

const HOME: &str = include_str!("../../../../assets/web/wordpress/home.html");
const NOT_FOUND: &str = include_str!("../../../../assets/web/wordpress/not_found.html");
const LOGIN: &str = include_str!("../../../../assets/web/wordpress/login.html");
const STYLE: &[u8] = include_bytes!("../../../../assets/web/wordpress/style.css");
const LOGIN_CSS: &[u8] = include_bytes!("../../../../assets/web/wordpress/login.css");
const EMBED_JS: &[u8] = include_bytes!("../../../../assets/web/wordpress/wp-embed.min.js");
const LOGO: &[u8] = include_bytes!("../../../../assets/web/wordpress/w-logo-blue-white-bg.png");

/// The blog's only user.
const USER: &str = "admin";
/// The blog's name.
const TITLE: &str = "My Blog";

/// WordPress's answer to `x`, if the path is one of its own.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    let path = x.req.path.as_str();
    let base = base_url(x);
    let answer = match path {
        "/" | "/index.php" => match x.req.query_param("rest_route").as_deref() {
            Some("/wp/v2/users") => users(&base).into(),
            Some(_) => index_json(&base).into(),
            None => home(site, &base).into(),
        },
        "/wp-login.php" => login(site, x, &base),
        "/wp-admin" => site
            .server
            .redirect(301, &format!("{base}/wp-admin/"), &x.ectx)
            .into(),
        "/xmlrpc.php" => xmlrpc(site, x),
        "/wp-json" | "/wp-json/" => index_json(&base).into(),
        "/wp-json/wp/v2/users" | "/wp-json/wp/v2/users/" => users(&base).into(),
        "/robots.txt" => Response::dynamic(
            200,
            "text/plain; charset=utf-8",
            format!(
                "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {base}/wp-sitemap.xml\n"
            ),
        )
        .into(),
        "/favicon.ico" => Response::redirect(
            302,
            &format!("{base}/wp-includes/images/w-logo-blue-white-bg.png"),
        )
        .with_header("X-Redirect-By", "WordPress")
        .into(),
        "/wp-includes/images/w-logo-blue-white-bg.png" => {
            static_file(site, x, "image/png", LOGO)
        }
        "/wp-content/themes/twentytwentytwo/style.css" => {
            static_file(site, x, "text/css", STYLE)
        }
        "/wp-admin/css/login.min.css" => static_file(site, x, "text/css", LOGIN_CSS),
        "/wp-includes/js/wp-embed.min.js" => {
            static_file(site, x, "application/javascript", EMBED_JS)
        }
        p if p.starts_with("/wp-admin/") && (p.ends_with('/') || p.ends_with(".php")) => {
            let target = format!("{base}{}", x.req.path);
            Response::redirect(
                302,
                &format!(
                    "{base}/wp-login.php?redirect_to={}&reauth=1",
                    url_encode(&target)
                ),
            )
            .with_header("Expires", "Wed, 11 Jan 1984 05:00:00 GMT")
            .with_header("Cache-Control", "no-cache, must-revalidate, max-age=0")
            .with_header("X-Redirect-By", "WordPress")
            .into()
        }
        _ => return None,
    };
    Some(answer)
}

/// The theme's 404 page (WordPress answers every unknown path itself).
pub fn not_found(site: &Site, x: &Exchange<'_>) -> Response {
    let _ = site;
    let page = NOT_FOUND
        .replace("{title}", TITLE)
        .replace("{base}", &base_url(x));
    Response::html(404, page).with_header(
        "Link",
        &format!("<{}/wp-json/>; rel=\"https://api.w.org/\"", base_url(x)),
    )
}

fn no_cache(response: Response) -> Response {
    response
        .with_header("Expires", "Wed, 11 Jan 1984 05:00:00 GMT")
        .with_header("Cache-Control", "no-cache, must-revalidate, max-age=0")
}

fn home(site: &Site, base: &str) -> Response {
    let posted = chrono::DateTime::from_timestamp(site.installed + 3_600, 0).unwrap_or_default();
    let page = HOME
        .replace("{title}", TITLE)
        .replace("{base}", base)
        .replace(
            "{date}",
            &posted.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        )
        .replace("{date_text}", &posted.format("%B %-d, %Y").to_string());
    Response::html(200, page).with_header(
        "Link",
        &format!("<{base}/wp-json/>; rel=\"https://api.w.org/\""),
    )
}

fn login_page(base: &str, error: &str, user: &str, redirect: &str) -> Response {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<div id=\"login_error\">\t{error}<br />\n</div>\n")
    };
    let page = LOGIN
        .replace("{title}", TITLE)
        .replace("{base}", base)
        .replace("{error}", &error)
        .replace("{user}", &esc(user))
        .replace("{redirect}", &esc(redirect));
    no_cache(Response::html(200, page))
        .with_header(
            "Set-Cookie",
            "wordpress_test_cookie=WP%20Cookie%20check; path=/; HttpOnly",
        )
        .with_header("X-Frame-Options", "SAMEORIGIN")
        .with_header("Referrer-Policy", "strict-origin-when-cross-origin")
}

fn login(site: &Site, x: &Exchange<'_>, base: &str) -> Answer {
    let redirect = x
        .req
        .form_field("redirect_to")
        .unwrap_or_else(|| format!("{base}/wp-admin/"));
    if x.req.method != "POST" {
        return login_page(base, "", "", &redirect).into();
    }
    let user = x.req.form_field("log").unwrap_or_default();
    let pass = x.req.form_field("pwd").unwrap_or_default();
    let login = Some((user.clone(), pass.clone()));
    if user.is_empty() || pass.is_empty() {
        let mut errors = Vec::new();
        if user.is_empty() {
            errors.push("<strong>Error:</strong> The username field is empty.");
        }
        if pass.is_empty() {
            errors.push("<strong>Error:</strong> The password field is empty.");
        }
        return Answer {
            response: login_page(base, &errors.join("<br />\n"), &user, &redirect),
            login: (!user.is_empty()).then_some((user, pass)),
            token: None,
            reflex: None,
        };
    }
    let (outcome, reflex) = fail_login(site, x);
    let error = match outcome {
        LoginOutcome::Locked(secs) => format!(
            "<strong>Error</strong>: Too many failed login attempts. Please try again in {} minutes.",
            minutes(secs)
        ),
        LoginOutcome::Failed(left) => {
            let message = if user == USER {
                format!(
                    "<strong>Error:</strong> The password you entered for the username <strong>{}</strong> is incorrect. <a href=\"{base}/wp-login.php?action=lostpassword\">Lost your password?</a>",
                    esc(&user)
                )
            } else {
                format!(
                    "<strong>Error:</strong> The username <strong>{}</strong> is not registered on this site. If you are unsure of your username, try your email address instead.",
                    esc(&user)
                )
            };
            if left == u32::MAX {
                message
            } else {
                format!("{message}<br />\n<strong>{left}</strong> attempts remaining.")
            }
        }
    };
    Answer {
        response: login_page(base, &error, &user, &redirect),
        login,
        token: None,
        reflex,
    }
}

fn users(base: &str) -> Response {
    let body = serde_json::json!([{
        "id": 1,
        "name": USER,
        "url": base,
        "description": "",
        "link": format!("{base}/author/{USER}/"),
        "slug": USER,
        "avatar_urls": {
            "24": "https://secure.gravatar.com/avatar/0e7c3c8d1c4e2b8a4b1c2d3e4f506172?s=24&d=mm&r=g",
            "48": "https://secure.gravatar.com/avatar/0e7c3c8d1c4e2b8a4b1c2d3e4f506172?s=48&d=mm&r=g",
            "96": "https://secure.gravatar.com/avatar/0e7c3c8d1c4e2b8a4b1c2d3e4f506172?s=96&d=mm&r=g"
        },
        "meta": [],
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wp/v2/users/1")}],
            "collection": [{"href": format!("{base}/wp-json/wp/v2/users")}]
        }
    }]);
    json(body)
        .with_header("X-WP-Total", "1")
        .with_header("X-WP-TotalPages", "1")
        .with_header("Allow", "GET")
}

fn index_json(base: &str) -> Response {
    json(serde_json::json!({
        "name": TITLE,
        "description": "Just another WordPress site",
        "url": base,
        "home": base,
        "gmt_offset": "0",
        "timezone_string": "",
        "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1", "wp-block-editor/v1"],
        "authentication": [],
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": ""
    }))
    .with_header("Allow", "GET")
}

fn json(value: serde_json::Value) -> Response {
    let base_link = value.get("url").and_then(|u| u.as_str()).map(str::to_owned);
    let mut response = Response::dynamic(
        200,
        "application/json; charset=UTF-8",
        value.to_string().into_bytes(),
    )
    .with_header("X-Robots-Tag", "noindex")
    .with_header("X-Content-Type-Options", "nosniff")
    .with_header(
        "Access-Control-Expose-Headers",
        "X-WP-Total, X-WP-TotalPages, Link",
    )
    .with_header(
        "Access-Control-Allow-Headers",
        "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
    );
    if let Some(base) = base_link {
        response = response.with_header(
            "Link",
            &format!("<{base}/wp-json/>; rel=\"https://api.w.org/\""),
        );
    }
    response
}

/// The methods `system.listMethods` names (a subset of WordPress's, in its order).
const METHODS: &[&str] = &[
    "system.multicall",
    "system.listMethods",
    "system.getCapabilities",
    "demo.addTwoNumbers",
    "demo.sayHello",
    "pingback.extensions.getPingbacks",
    "pingback.ping",
    "mt.publishPost",
    "mt.getTrackbackPings",
    "mt.supportedTextFilters",
    "mt.supportedMethods",
    "mt.getPostCategories",
    "mt.getRecentPostTitles",
    "metaWeblog.getUsersBlogs",
    "metaWeblog.getRecentPosts",
    "metaWeblog.getPost",
    "metaWeblog.editPost",
    "metaWeblog.newPost",
    "blogger.deletePost",
    "blogger.editPost",
    "blogger.newPost",
    "blogger.getRecentPosts",
    "blogger.getPost",
    "blogger.getUserInfo",
    "blogger.getUsersBlogs",
    "wp.getMediaLibrary",
    "wp.getPostFormats",
    "wp.getOptions",
    "wp.getProfile",
    "wp.getUsers",
    "wp.getUser",
    "wp.getPosts",
    "wp.getPost",
    "wp.newPost",
    "wp.getUsersBlogs",
];

fn xmlrpc(site: &Site, x: &Exchange<'_>) -> Answer {
    if x.req.method != "POST" {
        return Response::dynamic(
            405,
            "text/plain;charset=UTF-8",
            "XML-RPC server accepts POST requests only.",
        )
        .with_header("Allow", "POST")
        .into();
    }
    let body = String::from_utf8_lossy(&x.req.body);
    let Some(method) = between(&body, "<methodName>", "</methodName>") else {
        return xml(fault(-32700, "parse error. not well formed")).into();
    };
    let method = unescape(method.trim());
    let strings = strings(&body);
    if method == "system.listMethods" {
        let values: String = METHODS
            .iter()
            .map(|m| format!("  <value><string>{m}</string></value>\n"))
            .collect();
        return xml(format!(
            "<params>\n  <param>\n    <value>\n      <array><data>\n{values}</data></array>\n    </value>\n  </param>\n</params>\n"
        ))
        .into();
    }
    let (calls, login) = if method == "system.multicall" {
        let calls = strings
            .iter()
            .filter(|s| METHODS.contains(&s.as_str()))
            .count();
        let login = strings
            .iter()
            .position(|s| METHODS.contains(&s.as_str()))
            .and_then(|i| credentials(&strings[i], &strings[i + 1..]));
        (calls.max(1), login)
    } else if METHODS.contains(&method.as_str()) {
        (1, credentials(&method, &strings))
    } else {
        return xml(fault(
            -32601,
            &format!(
                "server error. requested method {} does not exist.",
                esc(&method)
            ),
        ))
        .into();
    };
    let Some(login) = login else {
        return xml(fault(
            -32602,
            "server error. wrong number of method parameters.",
        ))
        .into();
    };
    let (outcome, reflex) = fail_login(site, x);
    let message = match outcome {
        LoginOutcome::Locked(secs) => format!(
            "&lt;strong&gt;Error&lt;/strong&gt;: Too many failed login attempts. Please try again in {} minutes.",
            minutes(secs)
        ),
        LoginOutcome::Failed(_) => "Incorrect username or password.".to_owned(),
    };
    let response = if method == "system.multicall" {
        let one = format!(
            "<value><struct>\n  <member><name>faultCode</name><value><int>403</int></value></member>\n  <member><name>faultString</name><value><string>{message}</string></value></member>\n</struct></value>\n"
        );
        xml(format!(
            "<params>\n  <param>\n    <value>\n      <array><data>\n{}</data></array>\n    </value>\n  </param>\n</params>\n",
            one.repeat(calls.min(100))
        ))
    } else {
        xml(fault(403, &message))
    };
    Answer {
        response,
        login: Some(login),
        token: None,
        reflex,
    }
}

/// The user name and password of a login method's parameters.
fn credentials(method: &str, strings: &[String]) -> Option<(String, String)> {
    let skip = usize::from(method.starts_with("blogger.") || method == "metaWeblog.getUsersBlogs");
    let user = strings.get(skip)?;
    let pass = strings.get(skip + 1)?;
    if METHODS.contains(&user.as_str()) {
        return None;
    }
    Some((user.clone(), pass.clone()))
}

fn xml(inner: String) -> Response {
    let mut response = Response::dynamic(
        200,
        "text/xml; charset=UTF-8",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n{inner}</methodResponse>\n"
        ),
    );
    // IXR_Server sends `Connection: close` with every answer.
    response.close = true;
    response
}

fn fault(code: i32, message: &str) -> String {
    format!(
        "  <fault>\n    <value>\n      <struct>\n        <member>\n          <name>faultCode</name>\n          <value><int>{code}</int></value>\n        </member>\n        <member>\n          <name>faultString</name>\n          <value><string>{message}</string></value>\n        </member>\n      </struct>\n    </value>\n  </fault>\n"
    )
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text.get(start..)?.find(close)? + start;
    text.get(start..end)
}

/// Every `<string>` value, and every bare `<value>text</value>`, in order (at most 64).
fn strings(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while out.len() < 64 {
        let Some(start) = rest.find("<value>") else {
            break;
        };
        rest = rest.get(start + 7..).unwrap_or("");
        let trimmed = rest.trim_start();
        if let Some(inner) = trimmed.strip_prefix("<string>") {
            if let Some(end) = inner.find("</string>") {
                out.push(unescape(inner.get(..end).unwrap_or("")));
            }
        } else if let Some(end) = rest.find("</value>")
            && !rest.get(..end).unwrap_or("<").contains('<')
        {
            out.push(unescape(rest.get(..end).unwrap_or("")));
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmlrpc_credentials_are_found_in_each_form() {
        let body = "<?xml version=\"1.0\"?><methodCall><methodName>wp.getUsersBlogs</methodName><params><param><value><string>admin</string></value></param><param><value>p&amp;ss</value></param></params></methodCall>";
        let s = strings(body);
        assert_eq!(s, vec!["admin", "p&ss"]);
        assert_eq!(
            credentials("wp.getUsersBlogs", &s),
            Some(("admin".into(), "p&ss".into()))
        );
        let blogger = vec!["key".to_owned(), "bob".to_owned(), "pw".to_owned()];
        assert_eq!(
            credentials("blogger.getUsersBlogs", &blogger),
            Some(("bob".into(), "pw".into()))
        );
    }
}
