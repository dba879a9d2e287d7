//! The README's list of emulated commands is generated from the shell's registry.
//! After adding a command: `MIRAGE_UPDATE_README=1 cargo test --test integration readme`.

use mirage::shell::commands::COMMANDS;

const BEGIN: &str = "<!-- commands:begin: generated from the registry by tests/readme.rs -->";
const END: &str = "<!-- commands:end -->";

fn generated() -> String {
    let mut names: Vec<&str> = COMMANDS
        .iter()
        .flat_map(|c| c.names().iter().copied())
        .filter(|n| !n.contains('/'))
        .collect();
    names.sort_unstable();
    names.dedup();
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("{} commands: {}\n", names.len(), list.join(" "))
}

#[test]
fn the_readme_lists_every_emulated_command() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("README has the commands:begin marker")
        + BEGIN.len();
    let end = readme
        .find(END)
        .expect("README has the commands:end marker");
    let current = readme[start..end].trim();
    let expected = generated();
    if std::env::var_os("MIRAGE_UPDATE_README").is_some() {
        let updated = format!("{}\n{}{}", &readme[..start], expected, &readme[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        current,
        expected.trim(),
        "README's command list is stale: run MIRAGE_UPDATE_README=1 cargo test --test integration readme"
    );
}
