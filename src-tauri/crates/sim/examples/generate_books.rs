//! Times the generation of the seeded books: `cargo run --release -p ledgerkeep-sim
//! --example generate_books -- large`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use ledgerkeep_sim::generate::generate;
use ledgerkeep_sim::{Collection, Size};

fn main() {
    let size: Size = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "medium".into())
        .parse()
        .unwrap_or_default();
    let started = Instant::now();
    let truth = generate(42, size);
    let elapsed = started.elapsed();
    for b in &truth.tenants {
        let total: usize = Collection::ALL.iter().map(|c| b.table(*c).len()).sum();
        let bank = b.table(Collection::BankTransactions).len();
        println!("{}: {total} records, {bank} bank transactions", b.name);
    }
    println!("{size:?} generated in {elapsed:.2?}");
}
