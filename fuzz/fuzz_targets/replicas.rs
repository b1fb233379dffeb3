//! Fuzz target `replicas`: see `faultline::fuzzing::replicas`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline::fuzzing::replicas(data));
