//! How fast the simulator makes its books, per size: `make bench` prints the
//! figures (docs/BENCHMARKS.md). Large must hold one million bank transactions
//! in its first organisation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)] // a bench binary prints rates; no money here

use std::time::Instant;

use ledgerkeep_sim::generate::generate;
use ledgerkeep_sim::{Collection, Size};

fn main() {
    let sizes = match std::env::var("LEDGERKEEP_BENCH_SIM_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse::<Size>().unwrap())
            .collect(),
        Err(_) => vec![Size::Small, Size::Medium, Size::Large],
    };
    println!("simulator books, seed 7");
    for size in sizes {
        let started = Instant::now();
        let truth = generate(7, size);
        let took = started.elapsed();
        let first = &truth.tenants[0];
        let bank = first.table(Collection::BankTransactions).len();
        let all: usize = truth
            .tenants
            .iter()
            .map(|t| {
                Collection::ALL
                    .iter()
                    .map(|c| t.table(*c).len())
                    .sum::<usize>()
            })
            .sum();
        println!(
            "  {size:?}: {all} records in {} organisations ({bank} bank transactions in the first) in {:.2} s, {:.0} records/s",
            truth.tenants.len(),
            took.as_secs_f64(),
            all as f64 / took.as_secs_f64()
        );
        if matches!(size, Size::Large) {
            assert!(
                bank >= 1_000_000,
                "Large must hold 1M bank transactions, not {bank}"
            );
        }
    }
}
