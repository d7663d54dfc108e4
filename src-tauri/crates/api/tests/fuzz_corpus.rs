//! Runs every committed fuzz input through its target's property: the corpus
//! the fuzzer built (`fuzz/corpus/<target>/`) and every input that ever made a
//! target fail (`fuzz/regressions/<target>/`), so that none fails again.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ledgerkeep_api::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn every_committed_corpus_input_keeps_its_target_property() {
    for (target, check) in TARGETS {
        let corpus = inputs("corpus", target);
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{target} is empty: run `make fuzz` and commit the corpus"
        );
        for (path, bytes) in corpus {
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        }
    }
}

#[test]
fn every_input_that_ever_crashed_a_target_stays_fixed() {
    for (target, check) in TARGETS {
        for (path, bytes) in inputs("regressions", target) {
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{target}: {} fails again", path.display());
        }
    }
}
