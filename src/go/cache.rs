//! The facts of earlier parses, kept across runs: a file version parsed before (the same
//! bytes, leaving out the same bodies) by the same binary is not parsed again. A parse's
//! facts depend on nothing else, so those bytes, the ranges left out and the sources the binary
//! was built from are the whole key: an edited file, another selection of bodies or a binary
//! of other sources is a miss, never stale facts.
//!
//! Entries are content-addressed, so one cache serves every repository and worktree of the
//! user. Each entry is written through a fresh temporary file and a rename and carries a
//! checksum: a torn, corrupt or foreign entry reads as a miss.

use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

use super::facts::Facts;

/// The environment variable that puts the cache in another folder.
pub const DIR_VARIABLE: &str = "SRE_POLICY_CACHE_DIR";

/// The folder of one binary's entries that no run has used for this long is removed.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The file in each binary's folder whose modification time says when a run last used it.
const USED_MARKER: &str = "used";

/// An entry no run has read or written for this long is removed, as Go's build cache does:
/// a user's cache holds the versions of the files they work on, not every version ever seen.
const ENTRY_UNUSED_FOR: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How often a run looks for unused entries (a walk of the folder), and how stale a read
/// entry's modification time may be before a run refreshes it.
const TRIM_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The file in each binary's folder whose modification time says when it was last trimmed.
const TRIMMED_MARKER: &str = "trimmed";

/// Marks the folder as a cache for backup and archiving tools (bford.info/cachedir).
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
    # This file is a cache directory tag created by sre-policy.\n\
    # For information about cache directory tags see https://bford.info/cachedir/\n";

/// The process's cache, once [`enable`]d.
static CACHE: OnceLock<FactsCache> = OnceLock::new();

/// A folder of facts entries and what this run found in it.
pub struct FactsCache {
    /// This binary's entries, one file each, named by its key (one folder: a shard folder
    /// per key prefix would cost a cold run a folder per entry).
    entries: PathBuf,
    hits: AtomicUsize,
    misses: AtomicUsize,
    /// The entries to write, for the writing thread: creating files costs the file system
    /// more than the parse threads should wait (a cold check of a change spent a tenth of
    /// its time there), and the run has idle cores while it searches git and runs the rules.
    to_write: Mutex<Option<Sender<Entry>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// An entry to write: where, and its bytes (checksum and facts).
type Entry = (PathBuf, Vec<u8>);

/// What the cache did in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: usize,
    pub misses: usize,
}

/// The cache folder when none is given: `SRE_POLICY_CACHE_DIR`, else `sre-policy` in the
/// user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`); none without a home.
pub fn default_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if let Some(dir) = set(DIR_VARIABLE) {
        return Some(PathBuf::from(dir));
    }
    let xdg = set("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    xdg.or_else(|| set("HOME").map(|home| Path::new(&home).join(".cache")))
        .map(|dir| dir.join("sre-policy"))
}

/// Turns the cache on for this process, in `dir`. A folder that cannot be made or written
/// leaves it off, with the reason.
pub fn enable(dir: &Path) -> Result<(), String> {
    let entries = dir.join(format!("{:032x}", binary_identity()));
    let describe =
        |e: std::io::Error| format!("cannot use the cache folder {}: {e}", dir.display());
    fs::create_dir_all(&entries).map_err(describe)?;
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        fs::write(&tag, CACHEDIR_TAG).map_err(describe)?;
    }
    touch(&entries.join(USED_MARKER)).map_err(describe)?;
    remove_unused(dir, &entries);
    trim(&entries);
    let (to_write, written) = mpsc::channel::<Entry>();
    let folder = entries.clone();
    let writer = std::thread::Builder::new()
        .name("cache writer".to_string())
        .spawn(move || {
            for (path, entry) in written {
                write_entry(&folder, &path, &entry);
            }
        })
        .map_err(|e| format!("cannot start the cache's writing thread: {e}"))?;
    let _ = CACHE.set(FactsCache {
        entries,
        hits: AtomicUsize::new(0),
        misses: AtomicUsize::new(0),
        to_write: Mutex::new(Some(to_write)),
        writer: Mutex::new(Some(writer)),
    });
    Ok(())
}

/// Waits until the entries of this run are written. A process that ends without it loses
/// the entries not yet written (a later run writes them).
pub fn finish() {
    let Some(cache) = active() else {
        return;
    };
    take(&cache.to_write);
    if let Some(writer) = take(&cache.writer) {
        let _ = writer.join();
    }
}

/// Takes what `slot` holds, whether or not a thread panicked holding it.
fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

/// Writes `entry` at `path` through a fresh temporary file of `folder` and a rename: a reader
/// sees the whole entry or none. One that cannot be written costs the run nothing.
fn write_entry(folder: &Path, path: &Path, entry: &[u8]) {
    let write = || -> std::io::Result<()> {
        let mut file = tempfile::NamedTempFile::new_in(folder)?;
        file.write_all(entry)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    let _ = write();
}

/// The process's cache, when on.
pub fn active() -> Option<&'static FactsCache> {
    CACHE.get()
}

/// What the cache did so far in this run; `None` when it is off.
pub fn counts() -> Option<CacheCounts> {
    active().map(|cache| CacheCounts {
        hits: cache.hits.load(Ordering::Relaxed),
        misses: cache.misses.load(Ordering::Relaxed),
    })
}

/// The sources the binary was built from (see build.rs): a binary built from other code may
/// extract other facts from the same bytes, so it never reads another's entries.
fn binary_identity() -> u128 {
    xxh3_128(
        concat!(
            env!("CARGO_PKG_VERSION"),
            " ",
            env!("SRE_POLICY_SOURCES_HASH")
        )
        .as_bytes(),
    )
}

/// Removes the other binaries' folders of `dir` that no run has used for [`UNUSED_FOR`]:
/// each upgrade would otherwise leave its entries behind for good.
fn remove_unused(dir: &Path, own: &Path) {
    let Ok(folders) = fs::read_dir(dir) else {
        return;
    };
    for folder in folders.flatten() {
        let path = folder.path();
        let is_entries = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()));
        if !is_entries || path == own {
            continue;
        }
        let last_used = age(&path.join(USED_MARKER)).or_else(|| age(&path));
        if last_used.is_some_and(|age| age > UNUSED_FOR) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Removes the entries of `entries` (a binary's folder) unused for [`ENTRY_UNUSED_FOR`],
/// at most once per [`TRIM_EVERY`].
fn trim(entries: &Path) {
    let marker = entries.join(TRIMMED_MARKER);
    if age(&marker).is_some_and(|age| age < TRIM_EVERY) {
        return;
    }
    let Ok(files) = fs::read_dir(entries) else {
        return;
    };
    for file in files.flatten() {
        if age(&file.path()).is_some_and(|age| age > ENTRY_UNUSED_FOR) {
            let _ = fs::remove_file(file.path());
        }
    }
    let _ = touch(&marker);
}

/// Creates the marker file `path`, or marks it modified now.
fn touch(path: &Path) -> std::io::Result<()> {
    fs::File::create(path)?.set_modified(SystemTime::now())
}

/// How long ago `path` was last modified.
fn age(path: &Path) -> Option<Duration> {
    fs::metadata(path).ok()?.modified().ok()?.elapsed().ok()
}

impl FactsCache {
    /// The facts an earlier run extracted from `src` leaving out `left_out`, and whether
    /// parts were too deeply nested to look into.
    pub fn get(&self, src: &[u8], left_out: &[Range<usize>]) -> Option<(Facts, bool)> {
        let path = self.path(src, left_out);
        let found = fs::read(&path).ok().and_then(|bytes| decode(&bytes));
        let counter = match found {
            Some(_) => &self.hits,
            None => &self.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if found.is_some() && age(&path).is_some_and(|age| age > TRIM_EVERY) {
            // Still in use: a trim keeps it.
            let _ = fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(SystemTime::now()));
        }
        found
    }

    /// Keeps the facts of `src` leaving out `left_out` for later runs; the writing thread
    /// writes them.
    pub fn put(&self, src: &[u8], left_out: &[Range<usize>], facts: &Facts, too_deep: bool) {
        let Some(entry) = encode(facts, too_deep) else {
            return;
        };
        let path = self.path(src, left_out);
        if let Ok(guard) = self.to_write.lock() {
            if let Some(to_write) = guard.as_ref() {
                let _ = to_write.send((path, entry));
            }
        }
    }

    /// Where the entry of `src` leaving out `left_out` is kept.
    fn path(&self, src: &[u8], left_out: &[Range<usize>]) -> PathBuf {
        let mut hasher = Xxh3::new();
        hasher.update(&(src.len() as u64).to_le_bytes());
        hasher.update(src);
        for range in left_out {
            hasher.update(&(range.start as u64).to_le_bytes());
            hasher.update(&(range.end as u64).to_le_bytes());
        }
        self.entries.join(format!("{:032x}", hasher.digest128()))
    }
}

/// The bytes of an entry: the checksum of the serialized facts, then the facts.
fn encode(facts: &Facts, too_deep: bool) -> Option<Vec<u8>> {
    let payload = postcard::to_stdvec(&(facts, too_deep)).ok()?;
    let mut entry = Vec::with_capacity(payload.len() + 8);
    entry.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    entry.extend_from_slice(&payload);
    Some(entry)
}

/// An entry's facts, when its checksum holds and it decodes whole.
fn decode(bytes: &[u8]) -> Option<(Facts, bool)> {
    let (checksum, payload) = bytes.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*checksum) != xxh3_64(payload) {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_decodes_only_with_its_checksum_intact() {
        let facts = Facts {
            package: Some("billing".to_string()),
            reassigned: vec!["limit".to_string()],
            ..Facts::default()
        };
        let mut entry = encode(&facts, true).expect("facts serialize");
        assert_eq!(decode(&entry), Some((facts, true)));
        let last = entry.len() - 1;
        entry[last] ^= 1;
        assert_eq!(decode(&entry), None);
        assert_eq!(decode(&entry[..5]), None);
    }
}
