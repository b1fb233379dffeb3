//! Fuzz target `scenario`: see `faultline::fuzzing::scenario`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline::fuzzing::scenario(data));
