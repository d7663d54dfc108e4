//! Keeps ARCHITECTURE.md's crate table true to `cargo metadata`.
//!
//! Every workspace package has a row with its path; no row names a package
//! that does not exist; each row's "may depend on" is exactly the package's
//! `ledgerkeep-*` `[dependencies]`. The table's own rules are checked too:
//! a crate depends only on crates in rows above it (layers point one way),
//! only the shell depends on Tauri, and the pure crates (domain, ledger)
//! depend on no I/O crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const HEADER: [&str; 4] = ["crate", "path", "holds", "may depend on"];
const SHELL: &str = "ledgerkeep";
const PURE: [&str; 2] = ["ledgerkeep-domain", "ledgerkeep-ledger"];
const IO_CRATES: [&str; 9] = [
    "tokio",
    "sqlx",
    "reqwest",
    "hyper",
    "axum",
    "keyring",
    "notify-rust",
    "tempfile",
    "oauth2",
];

/// A workspace package as `cargo metadata` describes it.
#[derive(Debug)]
struct Package {
    /// The folder its row names: the manifest's, or for the root package the
    /// folder of its library (`src-tauri/shell`).
    path: String,
    /// Its normal (not dev, not build) `ledgerkeep-*` dependencies.
    ours: BTreeSet<String>,
    /// Every normal dependency's name.
    all: BTreeSet<String>,
}

/// A row of the crate table.
#[derive(Debug)]
struct Row {
    line: usize,
    name: String,
    path: String,
    deps: BTreeSet<String>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .expect("the workspace root, three folders above the domain crate")
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn packages(root: &Path) -> BTreeMap<String, Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(&cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| panic!("could not run `{cargo} metadata`: {e}"));
    assert!(
        out.status.success(),
        "`{cargo} metadata` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let mut found = BTreeMap::new();
    for p in meta["packages"].as_array().expect("a list of packages") {
        let name = p["name"].as_str().expect("a package name").to_owned();
        let manifest = Path::new(p["manifest_path"].as_str().expect("a manifest path"));
        let mut path = relative(root, manifest.parent().expect("a manifest's folder"));
        if path.is_empty() {
            // The root package: its code is where its library is.
            let lib = p["targets"]
                .as_array()
                .expect("a list of targets")
                .iter()
                .find(|t| {
                    t["kind"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k == "lib"))
                })
                .unwrap_or_else(|| panic!("the root package `{name}` has no library"));
            let src = Path::new(lib["src_path"].as_str().expect("a source path"));
            path = relative(root, src.parent().expect("a source file's folder"));
        }
        let all: BTreeSet<String> = p["dependencies"]
            .as_array()
            .expect("a list of dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().expect("a dependency name").to_owned())
            .collect();
        let ours = all
            .iter()
            .filter(|d| d.starts_with("ledgerkeep"))
            .cloned()
            .collect();
        found.insert(name, Package { path, ours, all });
    }
    assert!(!found.is_empty(), "cargo metadata listed no packages");
    found
}

fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let inner = line
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or(line);
    inner
        .split('|')
        .map(|c| c.trim().trim_matches('`').trim().to_owned())
        .collect()
}

/// The crate table's rows: the lines after the header
/// `| crate | path | holds | may depend on |` up to the first non-table line.
fn crate_table(doc: &str) -> Vec<Row> {
    let lines: Vec<&str> = doc.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with('|') && cells(l) == HEADER)
        .unwrap_or_else(|| {
            panic!(
                "ARCHITECTURE.md has no crate table: it needs a table whose header is \
                 `| crate | path | holds | may depend on |`"
            )
        });
    let mut rows = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(start + 2) {
        if !l.trim_start().starts_with('|') {
            break;
        }
        let c = cells(l);
        assert_eq!(
            c.len(),
            4,
            "ARCHITECTURE.md line {}: a crate row has 4 cells (crate | path | holds | may depend on), \
             this one has {}; a `|` inside a cell splits it",
            i + 1,
            c.len()
        );
        let deps = match c[3].as_str() {
            "" | "—" | "-" | "nothing of ours" => BTreeSet::new(),
            list => list
                .split(',')
                .map(|d| d.trim().trim_matches('`').trim())
                .map(|d| {
                    if d.starts_with("ledgerkeep") {
                        d.to_owned()
                    } else {
                        format!("ledgerkeep-{d}")
                    }
                })
                .collect(),
        };
        rows.push(Row {
            line: i + 1,
            name: c[0].clone(),
            path: c[1].trim_end_matches('/').to_owned(),
            deps,
        });
    }
    rows
}

fn short(deps: &BTreeSet<String>) -> String {
    if deps.is_empty() {
        return "—".to_owned();
    }
    deps.iter()
        .map(|d| d.strip_prefix("ledgerkeep-").unwrap_or(d))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every way the table and the packages disagree, each saying what to fix.
fn problems(rows: &[Row], packages: &BTreeMap<String, Package>) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows {
        if let Some(first) = seen.insert(&row.name, row.line) {
            out.push(format!(
                "line {}: `{}` has a row already (line {first}); remove one",
                row.line, row.name
            ));
        }
        let Some(p) = packages.get(&row.name) else {
            out.push(format!(
                "line {}: remove the row for `{}`: no workspace package has that name (the packages are {})",
                row.line,
                row.name,
                packages.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
            continue;
        };
        if row.path != p.path {
            out.push(format!(
                "line {}: the path of `{}` is `{}`, not `{}`",
                row.line, row.name, p.path, row.path
            ));
        }
        if row.deps != p.ours {
            out.push(format!(
                "line {}: `{}`'s \"may depend on\" says `{}`, but its Cargo.toml [dependencies] have `{}`: \
                 write `{}` (or change the Cargo.toml)",
                row.line,
                row.name,
                short(&row.deps),
                short(&p.ours),
                short(&p.ours)
            ));
        }
        let above: BTreeSet<&str> = rows
            .iter()
            .take_while(|r| r.line < row.line)
            .map(|r| r.name.as_str())
            .collect();
        for dep in &p.ours {
            if !above.contains(dep.as_str()) {
                out.push(format!(
                    "line {}: `{}` depends on `{dep}`, whose row is not above it: layers point one way, \
                     so move `{dep}`'s row up or drop the dependency",
                    row.line, row.name
                ));
            }
        }
    }
    for (name, p) in packages {
        if !seen.contains_key(name.as_str()) {
            out.push(format!(
                "add a row for `{name}`: | `{name}` | `{}` | <what it holds> | {} |",
                p.path,
                short(&p.ours)
            ));
        }
        if name != SHELL {
            for dep in p.all.iter().filter(|d| d.starts_with("tauri")) {
                out.push(format!(
                    "`{name}` depends on `{dep}`: only the shell (`{SHELL}`) may depend on Tauri"
                ));
            }
        }
        if PURE.contains(&name.as_str()) {
            for dep in p.all.iter().filter(|d| IO_CRATES.contains(&d.as_str())) {
                out.push(format!(
                    "`{name}` depends on `{dep}`: the domain and ledger crates do no I/O"
                ));
            }
        }
    }
    out
}

#[test]
fn the_crate_table_matches_cargo_metadata() {
    let root = workspace_root();
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md at the workspace root");
    let rows = crate_table(&doc);
    let packages = packages(&root);
    let problems = problems(&rows, &packages);
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md's crate table disagrees with `cargo metadata`; fix ARCHITECTURE.md:\n- {}",
        problems.join("\n- ")
    );
}

/// The check itself: a table that leaves a package out, names one that does
/// not exist, or gets a dependency wrong is refused, each with its fix.
#[test]
fn a_wrong_table_is_refused_with_what_to_fix() {
    let mut packages = BTreeMap::new();
    let pkg = |path: &str, ours: &[&str], all: &[&str]| Package {
        path: path.to_owned(),
        ours: ours.iter().map(|s| (*s).to_owned()).collect(),
        all: all.iter().map(|s| (*s).to_owned()).collect(),
    };
    packages.insert(
        "ledgerkeep-domain".to_owned(),
        pkg("src-tauri/crates/domain", &[], &["serde"]),
    );
    packages.insert(
        "ledgerkeep-store".to_owned(),
        pkg(
            "src-tauri/crates/store",
            &["ledgerkeep-domain"],
            &["ledgerkeep-domain", "sqlx"],
        ),
    );
    let good = "| crate | path | holds | may depend on |\n| --- | --- | --- | --- |\n\
                | `ledgerkeep-domain` | `src-tauri/crates/domain` | x | — |\n\
                | `ledgerkeep-store` | `src-tauri/crates/store/` | y | domain |\n";
    assert_eq!(
        problems(&crate_table(good), &packages),
        Vec::<String>::new()
    );

    let wrong = "| crate | path | holds | may depend on |\n| --- | --- | --- | --- |\n\
                 | `ledgerkeep-store` | `src-tauri/crates/stor` | y | domain, obs |\n\
                 | `ledgerkeep-gone` | `src-tauri/crates/gone` | z | — |\n\
                 \nafter the table\n";
    let found = problems(&crate_table(wrong), &packages).join("\n");
    for expected in [
        "the path of `ledgerkeep-store` is `src-tauri/crates/store`, not `src-tauri/crates/stor`",
        "says `domain, obs`, but its Cargo.toml [dependencies] have `domain`",
        "`ledgerkeep-store` depends on `ledgerkeep-domain`, whose row is not above it",
        "remove the row for `ledgerkeep-gone`",
        "add a row for `ledgerkeep-domain`",
    ] {
        assert!(
            found.contains(expected),
            "missing {expected:?} in:\n{found}"
        );
    }

    packages.insert(
        "ledgerkeep-ledger".to_owned(),
        pkg("src-tauri/crates/ledger", &[], &["tokio", "tauri"]),
    );
    let found = problems(&crate_table(good), &packages).join("\n");
    assert!(found.contains("`ledgerkeep-ledger` depends on `tauri`: only the shell"));
    assert!(found.contains(
        "`ledgerkeep-ledger` depends on `tokio`: the domain and ledger crates do no I/O"
    ));
}
