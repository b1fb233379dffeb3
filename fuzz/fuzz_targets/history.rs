//! Fuzz target `history`: see `faultline::fuzzing::history`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline::fuzzing::history(data));
