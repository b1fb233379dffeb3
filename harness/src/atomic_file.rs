//! Files that are either complete or absent: every file a run or sweep writes goes to a
//! temporary name in the same directory, is fsynced, then renamed over the final name. A
//! worker killed mid-write (preempted pod, cancelled CI job) leaves at most a hidden
//! `.NAME.*.tmp` file behind, never a truncated `results.json` that a resume would trust.
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary names of concurrent writers within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically (temp file, fsync, rename).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically through a buffered writer (for large files such as histories).
pub fn write_with<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
{
    write_via(path, |temp| {
        let mut w = BufWriter::new(File::create(temp)?);
        fill(&mut w)?;
        w.flush()
    })
}

/// Lets `produce` create the file at a temporary path (same directory and extension, so
/// encoders that pick a format by extension still work), then fsyncs and renames it to `path`.
/// On any error the temporary file is removed and `path` is left as it was.
pub fn write_via<F>(path: &Path, produce: F) -> io::Result<()>
where
    F: FnOnce(&Path) -> io::Result<()>,
{
    let temp = temp_path(path)?;
    let result = produce(&temp).and_then(|()| File::open(&temp)?.sync_all()).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        // Best effort: the temp name is hidden and unique, so a leftover harms nothing.
        let _ = fs::remove_file(&temp);
        return result;
    }
    sync_dir(path);
    Ok(())
}

/// `.NAME.PID.N.tmp.EXT` beside `path`.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{}: not a file name", path.display())))?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let ext = path.extension().and_then(|e| e.to_str()).map(|e| format!(".{e}")).unwrap_or_default();
    Ok(path.with_file_name(format!(".{name}.{pid}.{n}.tmp{ext}")))
}

/// Makes the rename itself durable where the platform allows opening a directory.
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        // Not every file system supports fsync on directories; the data itself is synced.
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faultline-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replace_the_file_and_leave_no_temp_behind() {
        let dir = scratch("replace");
        let path = dir.join("results.json");
        write(&path, b"first").expect("write");
        write(&path, b"second").expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"second");
        assert_eq!(entries(&dir), vec!["results.json".to_string()]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temp() {
        let dir = scratch("fail");
        let path = dir.join("sweep.json");
        write(&path, b"complete").expect("write");
        let err = write_with(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("killed"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).expect("read"), b"complete");
        assert_eq!(entries(&dir), vec!["sweep.json".to_string()]);
    }

    #[test]
    fn the_temp_name_keeps_the_extension() {
        let temp = temp_path(Path::new("/r/latency-raw.png")).expect("temp");
        let name = temp.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        assert!(name.starts_with(".latency-raw.png.") && name.ends_with(".tmp.png"), "{name}");
        assert_eq!(temp.parent(), Some(Path::new("/r")));
    }
}
