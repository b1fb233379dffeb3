//! Fuzz target `simulation`: see `faultline::fuzzing::simulation`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline::fuzzing::simulation(data));
