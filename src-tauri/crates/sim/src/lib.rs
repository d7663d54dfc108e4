//! The Xero simulator: a real HTTP server on loopback that stands in for Xero in
//! tests, benchmarks and the app's demo company.
//!
//! Boundary: may depend on `ledgerkeep-domain` only. Nothing in the product's
//! request path depends on it, except the demo company, which starts it and then
//! talks to it over HTTP through the same client as a real connection.
//! Filled in by issue #4.
