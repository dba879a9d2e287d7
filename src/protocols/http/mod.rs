//! The HTTP decoy: an ordinary-looking web server.
//!
//! Today it imitates a fresh Ubuntu nginx: the default welcome page at `/` and nginx's 404 page
//! everywhere else, with nginx's `Server` header. It never serves health checks or metrics;
//! those live on the admin listener only.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

/// The `Server` header of Ubuntu 22.04's nginx package.
pub const SERVER_HEADER: &str = "nginx/1.18.0 (Ubuntu)";

const WELCOME: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\n    body {\n        width: 35em;\n        margin: 0 auto;\n        font-family: Tahoma, Verdana, Arial, sans-serif;\n    }\n</style>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n\n<p>For online documentation and support please refer to\n<a href=\"http://nginx.org/\">nginx.org</a>.<br/>\nCommercial support is available at\n<a href=\"http://nginx.com/\">nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n";

const NOT_FOUND: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n";

const NOT_ALLOWED: &str = "<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n";

/// Registers the decoy's routes: everything goes through one handler, like nginx's default site.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(serve));
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let (status, body) = match (req.method(), req.path()) {
        (&Method::GET | &Method::HEAD, "/" | "/index.html" | "/index.nginx-debian.html") => {
            (StatusCode::OK, WELCOME)
        }
        (&Method::GET | &Method::HEAD, _) => (StatusCode::NOT_FOUND, NOT_FOUND),
        // nginx's static default site refuses POST and friends with 405.
        _ => (StatusCode::METHOD_NOT_ALLOWED, NOT_ALLOWED),
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header(("Server", SERVER_HEADER))
        .content_type("text/html");
    let mut response = if req.method() == Method::HEAD {
        response.finish()
    } else {
        response.body(body)
    };
    // nginx writes `Server:`, `Content-Type:`; actix would write them in lower case, a tell.
    response.head_mut().set_camel_case_headers(true);
    response
}
