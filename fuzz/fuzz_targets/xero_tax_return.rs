#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ledgerkeep_api::fuzzing::xero_tax_return(data));
