//! `faultline merge DIR... --out DIR`: shard summaries of one sweep into one.
use super::{BadInput, MergeArgs};
use crate::run::SweepSummary;

pub(super) fn merge(args: MergeArgs) -> Result<bool, BadInput> {
    let mut parts = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        parts.push((dir.display().to_string(), SweepSummary::load(dir).map_err(BadInput)?));
    }
    let merged = SweepSummary::merge(&parts).map_err(BadInput)?;
    println!("merged {} sweep summaries", parts.len());
    if merged.seeds_missing > 0 {
        eprintln!(
            "warning: {} seeds of {}..{} are in no summary",
            merged.seeds_missing, merged.seeds.start, merged.seeds.end
        );
    }
    super::sweep_output::publish(&merged, &args.out, args.junit.as_deref())
}
