//! The shipped Kubernetes manifests and GitHub workflow say what the binary expects (Indexed
//! Job, completions == parallelism == --shards, a shard per matrix entry, a merge job), and
//! running the Job's shard command for every index locally, then merging, gives the same
//! per-seed outcome as one unsharded sweep.
mod sweep_common;
use serde_norway::Value;
use std::collections::BTreeMap;
use sweep_common::{arg, faultline, scratch, summary, text, verdicts, workspace};

fn yaml(relative: &str) -> Value {
    let path = workspace().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence().map(|s| s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// `$(NAME)` replaced from `vars`, as the kubelet expands container args.
fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    vars.iter().fold(text.to_string(), |t, (k, v)| t.replace(&format!("$({k})"), v))
}

fn sweep_container() -> (u64, Vec<String>, BTreeMap<String, String>) {
    let job = yaml("deploy/kubernetes/sweep-job.yaml");
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_u64().expect("completions");
    assert_eq!(spec["parallelism"].as_u64(), Some(completions), "parallelism must equal completions");
    let container = &spec["template"]["spec"]["containers"][0];
    let args = strings(&container["args"]);
    assert_eq!(args.first().map(String::as_str), Some("sweep"));
    assert_eq!(flag_value(&args, "--shards"), Some(completions.to_string().as_str()), "--shards must be completions");
    assert!(args.iter().any(|a| a == "--resume"), "a replaced pod must resume: {args:?}");
    let mut env = BTreeMap::new();
    for var in container["env"].as_sequence().cloned().unwrap_or_default() {
        let name = var["name"].as_str().unwrap_or_default().to_string();
        if let Some(field) = var["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
            assert_eq!(field, "metadata.annotations['batch.kubernetes.io/job-completion-index']", "{name}");
            env.insert(name, "$(JOB_COMPLETION_INDEX)".to_string());
        } else {
            env.insert(name, var["value"].as_str().unwrap_or_default().to_string());
        }
    }
    let out = flag_value(&args, "--out").unwrap_or_default();
    assert!(expand(out, &env).contains("$(JOB_COMPLETION_INDEX)"), "each index needs its own --out: {out}");
    (completions, args, env)
}

#[test]
fn the_indexed_job_run_locally_index_by_index_then_merged_equals_one_sweep() {
    let (shards, args, mut env) = sweep_container();
    let results = scratch("sweep-deploy-k8s");
    // The Job's own values, but a fast scenario and few seeds so the test stays short.
    env.insert("SCENARIO".into(), "raft-crash".into());
    env.insert("SEEDS".into(), "0..10".into());
    let mut dirs = Vec::new();
    for index in 0..shards {
        let mut vars = env.clone();
        vars.iter_mut().for_each(|(_, v)| *v = v.replace("$(JOB_COMPLETION_INDEX)", &index.to_string()));
        let local: Vec<String> = args.iter().map(|a| expand(a, &vars).replace("/results", arg(&results))).collect();
        let local: Vec<&str> = local.iter().map(String::as_str).collect();
        let o = faultline(&local, &[("JOB_COMPLETION_INDEX", &index.to_string())]);
        assert_eq!(o.status.code(), Some(0), "index {index}: {}", text(&o));
        let dir = results.join(format!("shard-{index}"));
        assert_eq!(summary(&dir)["shards"][0]["index"].as_u64(), Some(index), "index {index} ran another shard");
        dirs.push(dir);
    }
    let merge_job = yaml("deploy/kubernetes/merge-job.yaml");
    let script = strings(&merge_job["spec"]["template"]["spec"]["containers"][0]["command"]).join(" ");
    assert!(script.contains("faultline merge /results/shard-* --out /results/merged"), "{script}");

    let merged = results.join("merged");
    let junit = merged.join("junit.xml");
    let mut merge_args = vec!["merge"];
    merge_args.extend(dirs.iter().map(|d| arg(d)));
    merge_args.extend(["--out", arg(&merged), "--junit", arg(&junit)]);
    let o = faultline(&merge_args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let m = summary(&merged);
    assert_eq!((m["seeds_run"].as_u64(), m["seeds_missing"].as_u64()), (Some(10), Some(0)), "{m}");
    assert_eq!(m["shards"].as_array().map(Vec::len), Some(shards as usize));
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    assert_eq!(xml.matches("<testcase ").count(), 10, "{xml}");
    assert!(merged.join("index.html").is_file());

    let whole = scratch("sweep-deploy-whole");
    let o = faultline(&["sweep", "raft-crash", "--seeds", "0..10", "--out", arg(&whole)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(verdicts(&m), verdicts(&summary(&whole)), "sharded and unsharded sweeps differ");
}

#[test]
fn the_nightly_workflow_shards_every_scenario_and_merges() {
    let wf = yaml(".github/workflows/nightly-sweep.yml");
    let sweep = &wf["jobs"]["sweep"];
    let matrix = &sweep["strategy"]["matrix"];
    let shards: Vec<u64> =
        matrix["shard"].as_sequence().map(|s| s.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
    assert_eq!(shards, (0..shards.len() as u64).collect::<Vec<_>>(), "shards must be 0..N");
    let scenarios = strings(&matrix["scenario"]);
    let mut shipped: Vec<String> = std::fs::read_dir(workspace().join("scenarios"))
        .map(|d| d.filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string)).collect())
        .unwrap_or_default();
    shipped.sort();
    for name in &shipped {
        assert!(scenarios.contains(name), "scenario {name} is not swept nightly: {scenarios:?}");
    }
    let steps = |job: &Value| -> String {
        job["steps"]
            .as_sequence()
            .map(|s| s.iter().filter_map(|x| x["run"].as_str()).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let run = steps(sweep);
    assert!(run.contains(&format!("--shard ${{{{ matrix.shard }}}}/{}", shards.len())), "{run}");
    assert!(run.contains("--junit") && !run.contains("--bug"), "{run}");
    let merge = &wf["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("sweep"));
    assert_eq!(merge["if"].as_str(), Some("always()"), "the merge must run when shards fail");
    assert!(steps(merge).contains("faultline merge") && steps(merge).contains("--junit"));
    let uploads: String = merge["steps"]
        .as_sequence()
        .map(|s| s.iter().filter_map(|x| x["with"]["path"].as_str()).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default();
    assert!(uploads.contains("index.html") && uploads.contains("junit.xml"), "{uploads}");
}

#[test]
fn merge_refuses_overlapping_or_mismatched_shards_and_exits_1_on_failures() {
    let root = scratch("sweep-deploy-merge");
    let (a, b) = (root.join("a"), root.join("b"));
    let bug = ["--bug", "raft-vote-before-persist"];
    let base = ["sweep", "raft-crash", "--seeds", "0..4"];
    let step_summary = root.join("step-summary.md");
    let mut args_a: Vec<&str> = base.to_vec();
    args_a.extend(["--shard", "1/2", "--out", arg(&a)]);
    args_a.extend(bug);
    let o = faultline(&args_a, &[("GITHUB_STEP_SUMMARY", arg(&step_summary))]);
    assert_eq!(o.status.code(), Some(1), "seed 1 fails with the bug: {}", text(&o));
    let md = std::fs::read_to_string(&step_summary).unwrap_or_default();
    assert!(md.contains("--seed 1 --engine native --bug raft-vote-before-persist"), "{md}");
    let mut args_b: Vec<&str> = base.to_vec();
    args_b.extend(["--shard", "0/2", "--out", arg(&b)]);
    args_b.extend(bug);
    let _ = faultline(&args_b, &[]);

    let merged = root.join("merged");
    let o = faultline(&["merge", arg(&a), arg(&b), "--out", arg(&merged)], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).lines().any(|l| l.starts_with("repro: ")), "{}", text(&o));

    let o = faultline(&["merge", arg(&a), arg(&a), "--out", arg(&merged)], &[]);
    assert_bad(&o, "overlapping");
    let other = root.join("other");
    let _ = faultline(&["sweep", "raft-crash", "--seeds", "0..4", "--shard", "0/2", "--out", arg(&other)], &[]);
    assert_bad(&faultline(&["merge", arg(&a), arg(&other), "--out", arg(&merged)], &[]), "bugs");
    let engine = root.join("engine");
    let mut args_t: Vec<&str> = base.to_vec();
    args_t.extend(["--shard", "0/2", "--engine", "turmoil", "--out", arg(&engine)]);
    args_t.extend(bug);
    let _ = faultline(&args_t, &[]);
    assert_bad(&faultline(&["merge", arg(&a), arg(&engine), "--out", arg(&merged)], &[]), "engine");
    assert_bad(&faultline(&["merge", arg(&root.join("nowhere")), "--out", arg(&merged)], &[]), "nowhere");
}

#[test]
fn bad_shard_specs_are_bad_input() {
    let sweep = ["sweep", "raft-crash", "--seeds", "0..4"];
    let with = |extra: &[&str]| -> Vec<String> { sweep.iter().chain(extra).map(|s| s.to_string()).collect() };
    for (extra, env, mention) in [
        (vec!["--shard", "4/4"], vec![], "--shard"),
        (vec!["--shard", "one/4"], vec![], "--shard"),
        (vec!["--shard", "1/0"], vec![], "--shard"),
        (vec![], vec![("JOB_COMPLETION_INDEX", "1")], "--shards"),
        (vec!["--shards", "2"], vec![("JOB_COMPLETION_INDEX", "2")], "JOB_COMPLETION_INDEX"),
        (vec![], vec![("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "2")], "CI_NODE_INDEX"),
    ] {
        let args = with(&extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_bad(&faultline(&args, &env), mention);
    }
}

fn assert_bad(o: &std::process::Output, mention: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(o));
    assert!(err.contains(mention) && !err.contains("panicked"), "{err}");
}
