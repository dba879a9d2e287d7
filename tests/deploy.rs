//! The deploy files agree with the code: ports, health path, data directory.

use mirage::config::Config;

const DOCKERFILE: &str = include_str!("../docker/Dockerfile");
const COMPOSE: &str = include_str!("../docker/compose.yaml");

#[test]
fn the_dockerfile_exposes_the_default_decoy_ports_and_checks_health_on_the_admin_port() {
    let c = Config::default();
    let expose = DOCKERFILE
        .lines()
        .find(|l| l.starts_with("EXPOSE"))
        .expect("EXPOSE line");
    let ports: Vec<u16> = expose
        .split_whitespace()
        .skip(1)
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(ports, vec![c.ssh.listen.port(), c.http.listen.port()]);
    assert!(
        !ports.contains(&c.admin.listen.port()),
        "the admin port is never exposed"
    );
    let health = format!("http://127.0.0.1:{}/healthz", c.admin.listen.port());
    assert!(
        DOCKERFILE.contains(&health),
        "HEALTHCHECK must probe {health}"
    );
    for (var, value) in [
        ("MIRAGE_SSH_LISTEN", c.ssh.listen.to_string()),
        ("MIRAGE_HTTP_LISTEN", c.http.listen.to_string()),
        ("MIRAGE_ADMIN_LISTEN", c.admin.listen.to_string()),
    ] {
        assert!(
            DOCKERFILE.contains(&format!("{var}={value}")),
            "{var} must be {value}"
        );
    }
    assert!(DOCKERFILE.contains("USER mirage"), "runs as non-root");
    assert!(
        DOCKERFILE.contains("AS build") && DOCKERFILE.matches("FROM ").count() == 2,
        "multi-stage"
    );
}

#[test]
fn compose_maps_public_ports_to_the_decoys_and_checks_health() {
    let c = Config::default();
    assert!(COMPOSE.contains(&format!("\"22:{}\"", c.ssh.listen.port())));
    assert!(COMPOSE.contains(&format!("\"80:{}\"", c.http.listen.port())));
    assert!(
        !COMPOSE.contains(&format!(":{}\"", c.admin.listen.port())),
        "admin port published"
    );
    assert!(COMPOSE.contains(&format!(
        "http://127.0.0.1:{}/healthz",
        c.admin.listen.port()
    )));
    assert!(COMPOSE.contains("MIRAGE_DATABASE_URL: postgres://"));
    // The data volume is mounted where the node keeps its data.
    let data_dir = DOCKERFILE
        .lines()
        .find_map(|l| l.trim().strip_prefix("ENV MIRAGE_DATA_DIR="))
        .map(|v| v.trim_end_matches(" \\").to_owned())
        .expect("MIRAGE_DATA_DIR in the Dockerfile");
    assert!(
        COMPOSE.contains(&format!("mirage-data:{data_dir}")),
        "volume at {data_dir}"
    );
    assert!(COMPOSE.contains(&format!("MIRAGE_DATA_DIR: {data_dir}")));
}

#[test]
fn the_image_ships_the_repository_models_where_models_dir_points() {
    let dir = DOCKERFILE
        .lines()
        .find_map(|l| l.trim().strip_prefix("MIRAGE_MODELS_DIR="))
        .expect("MIRAGE_MODELS_DIR in the Dockerfile");
    assert!(
        DOCKERFILE.contains(&format!("COPY --from=build /src/models {dir}")),
        "the models are copied to {dir}"
    );
    assert!(COMPOSE.contains(&format!("MIRAGE_MODELS_DIR: {dir}")));
    // What is copied is a model set a node loads.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let models = mirage::models::Models::load(&shipped).expect("the shipped models load");
    assert!(models.markov.is_some(), "models/ holds the command model");
}
