//! The attachment store's benchmark: `make bench-attachments` (release
//! optimisations, `cargo bench`). A debug run of the same code, for a quick
//! look: `cargo test -p ledgerkeep-store --bench attachments` (its figures
//! are a debug build's: SHA-256 alone is many times slower there).
//!
//! On a fresh ledger in a temporary folder:
//! 1. Write: N files through `store_attachment` (each hashed, written to a
//!    temporary name, synced and renamed under its hash, with its row and
//!    its audit row in one transaction), one after the other as the sync
//!    job keeps them; one in ten is a file already kept (a second
//!    document's copy), which is not written again.
//! 2. Space: `attachment_space`, what Settings shows.
//! 3. Verify: `verify_attachments` hashes every file against the ledger.
//! 4. Backup: a checked backup that carries every file (first into an
//!    empty backups folder, then again, sharing them).
//!
//! Sizes: `LEDGERKEEP_BENCH_ATTACHMENTS` files (default 10000) of about
//! `LEDGERKEEP_BENCH_ATTACHMENT_KB` KiB each (default 40, spread from a
//! quarter to twice that).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)] // a benchmark prints its figures and stops on failure
#![allow(clippy::float_arithmetic)] // rates and milliseconds of timings; no money passes through here

use std::time::Instant;

use chrono::{TimeZone, Utc};
use ledgerkeep_domain::{Actor, EntityKind};
use ledgerkeep_store::attachments::AttachmentMeta;
use ledgerkeep_store::{backup, LedgerStore};

const TENANT: &str = "bench-tenant";

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A file of `len` bytes that differs with `seed` (a PDF's header, then noise).
fn file(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    while b.len() < len {
        b.extend_from_slice(&rng.next().to_le_bytes());
    }
    b.truncate(len);
    b
}

fn du(dir: &std::path::Path) -> (u64, u64) {
    let mut files = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                bytes += m.len();
            }
        }
    }
    (files, bytes)
}

fn main() {
    let n = env_usize("LEDGERKEEP_BENCH_ATTACHMENTS", 10_000);
    let kib = env_usize("LEDGERKEEP_BENCH_ATTACHMENT_KB", 40).max(1);
    let profile = if cfg!(debug_assertions) {
        "debug build: not the figures to publish"
    } else {
        "optimised build"
    };
    println!("attachment store: {n} files of about {kib} KiB ({profile})");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(n, kib));
}

async fn run(n: usize, kib: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
        .await
        .unwrap();
    let actor = Actor::sync("bench");
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let mut rng = Rng(0x5eed_a77a);

    // 1. Write.
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut bytes_in = 0u64;
    let mut lat = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let bytes = if i % 10 == 9 && !kept.is_empty() {
            // A second document's copy of a file kept already.
            let pick = usize::try_from(rng.next() % kept.len() as u64).unwrap();
            kept[pick].clone()
        } else {
            let len =
                kib * 1024 / 4 + usize::try_from(rng.next() % (kib as u64 * 1024 * 7 / 4)).unwrap();
            let f = file(&mut rng, len);
            kept.push(f.clone());
            f
        };
        bytes_in += bytes.len() as u64;
        let meta = AttachmentMeta {
            tenant_id: TENANT.to_owned(),
            attachment_id: format!("att-{i:06}"),
            entity: EntityKind::Invoice,
            record_id: format!("inv-{:06}", i / 2),
            file_name: format!("bill-{i}.pdf"),
            mime_type: Some("application/pdf".to_owned()),
        };
        let t = Instant::now();
        store
            .store_attachment(&meta, &bytes, &actor, now)
            .await
            .unwrap();
        lat.push(t.elapsed());
    }
    let write = started.elapsed();
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    println!(
        "write: {n} attachments ({} distinct files, {:.1} MiB) in {:.2} s: {:.0} files/s, {:.1} MiB/s; per file p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        kept.len(),
        bytes_in as f64 / 1048576.0,
        write.as_secs_f64(),
        n as f64 / write.as_secs_f64(),
        bytes_in as f64 / 1048576.0 / write.as_secs_f64(),
        p(0.5),
        p(0.95),
        p(1.0)
    );

    // 2. Space.
    let t = Instant::now();
    let space = store.attachment_space().await.unwrap();
    let space_ms = t.elapsed().as_secs_f64() * 1e3;
    let (on_disk_files, on_disk_bytes) = du(&store.attachments_dir());
    assert_eq!(space.files, on_disk_files, "one file per hash on disk");
    assert_eq!(space.bytes, on_disk_bytes);
    println!(
        "space: {} attachments, {} files, {:.1} MiB, read in {space_ms:.1} ms",
        space.attachments,
        space.files,
        space.bytes as f64 / 1048576.0
    );

    // 3. Verify.
    let t = Instant::now();
    let check = store.verify_attachments().await.unwrap();
    let verify = t.elapsed();
    assert!(check.problems.is_empty());
    println!(
        "verify: {} files hashed in {:.2} s: {:.0} files/s, {:.1} MiB/s",
        check.files_checked,
        verify.as_secs_f64(),
        check.files_checked as f64 / verify.as_secs_f64(),
        space.bytes as f64 / 1048576.0 / verify.as_secs_f64()
    );

    // 4. Backups that carry the files.
    let backups = backup::default_dir(store.path());
    for (label, at) in [("first", 1), ("second, sharing the files", 2)] {
        let t = Instant::now();
        let info = store
            .backup_now(&backups, now + chrono::Duration::hours(at), 5)
            .await
            .unwrap();
        println!(
            "backup ({label}): {} files carried and checked, {:.1} MiB, in {:.2} s",
            info.attachment_files,
            info.attachment_bytes as f64 / 1048576.0,
            t.elapsed().as_secs_f64()
        );
    }
}
