//! Fuzz target `wire`: see `faultline::fuzzing::wire`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline::fuzzing::wire(data));
