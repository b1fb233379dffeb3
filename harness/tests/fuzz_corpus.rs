//! Replays the fuzz corpus (`fuzz/corpus/<target>/*`, including inputs that once crashed a
//! target) through the same entry points the cargo-fuzz targets call, so a fixed finding
//! stays fixed in every `cargo test`, without cargo-fuzz or a nightly toolchain.
use std::path::PathBuf;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("wire", faultline::fuzzing::wire),
    ("scenario", faultline::fuzzing::scenario),
    ("history", faultline::fuzzing::history),
    ("replicas", faultline::fuzzing::replicas),
    ("simulation", faultline::fuzzing::simulation),
];

#[test]
fn every_corpus_input_passes_its_target() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for f in files {
            let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            target(&bytes);
        }
    }
}

#[test]
fn valid_encodings_pass_the_wire_target() {
    use faultline::world::wire::Envelope;
    use faultline_systems::logsync::LogSyncMessage;
    let envelope = Envelope::Peer { from: 2, bytes: LogSyncMessage::Ack { applied: 7 }.encode() };
    faultline::fuzzing::wire(&envelope.encode().expect("an envelope encodes"));
    faultline::fuzzing::wire(&LogSyncMessage::Ack { applied: 7 }.encode());
}
