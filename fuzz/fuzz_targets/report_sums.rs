#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ledgerkeep_api::fuzzing::report_sums(data));
