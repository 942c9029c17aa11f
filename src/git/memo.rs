//! Blobs known to fail a byte test, remembered between runs by object id.
//!
//! A search of every Go file at the head of a change (where else a metric name the change adds
//! is declared) inflates thousands of blobs, and most fail its first test: they do not import
//! the Prometheus client. An object id names its bytes, so a blob that failed a test once fails
//! it again, and the next run in the same repository inflates only the blobs that are new or
//! that passed.
//!
//! The list lives in the repository's git folder (`sre-policy/<test>.blobs`). It holds the
//! failing blobs of the last search, so it never grows past one tree's files, and it names the
//! tool's version, since a test may change between versions. It is an optimisation and nothing
//! more: a list that cannot be read, or that another version wrote, is ignored; one that cannot
//! be written is not written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::Oid;

/// A byte test whose failures are remembered: a search given one reads only the blobs that
/// pass it, so every blob it wants must pass.
#[derive(Clone, Copy)]
pub struct Gate {
    /// Names the list on disk: one file per test.
    pub name: &'static str,
    pub passes: fn(&[u8]) -> bool,
}

/// The blobs a [`Gate`] failed, as read from the repository's git folder.
pub struct Memo {
    path: PathBuf,
    header: Vec<u8>,
    failed: HashSet<Oid>,
}

/// Object ids are stored as their raw 20 bytes.
const ID_BYTES: usize = 20;

impl Memo {
    /// The list of `gate` in the git folder `git_dir` (empty when there is none yet, or when
    /// it cannot be read).
    pub fn load(git_dir: &Path, gate: Gate) -> Memo {
        let path = git_dir
            .join("sre-policy")
            .join(format!("{}.blobs", gate.name));
        let header = format!(
            "sre-policy {} blobs failing {}\n",
            env!("CARGO_PKG_VERSION"),
            gate.name
        )
        .into_bytes();
        let failed = std::fs::read(&path)
            .ok()
            .and_then(|bytes| ids(&bytes, &header))
            .unwrap_or_default();
        Memo {
            path,
            header,
            failed,
        }
    }

    /// Whether the blob `id` is known to fail the test.
    pub fn fails(&self, id: Oid) -> bool {
        self.failed.contains(&id)
    }

    /// Remembers `failing`, the blobs of the last search that failed the test (known or found
    /// so), when they differ from what was read: written to a temporary file and renamed, so a
    /// run reading at the same time sees the old list or the new one.
    pub fn save(&self, failing: HashSet<Oid>) {
        if failing == self.failed {
            return;
        }
        let mut sorted: Vec<Oid> = failing.into_iter().collect();
        sorted.sort_unstable();
        let mut bytes = self.header.clone();
        for id in sorted {
            bytes.extend_from_slice(id.as_bytes());
        }
        let Some(folder) = self.path.parent() else {
            return;
        };
        let temporary = folder.join(format!(".blobs.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(folder)
            .and_then(|()| std::fs::write(&temporary, &bytes))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// The ids of a list written under `header`; `None` for any other file.
fn ids(bytes: &[u8], header: &[u8]) -> Option<HashSet<Oid>> {
    let body = bytes.strip_prefix(header)?;
    if body.len() % ID_BYTES != 0 {
        return None;
    }
    body.chunks_exact(ID_BYTES)
        .map(|raw| Oid::from_bytes(raw).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> Gate {
        Gate {
            name: "test",
            passes: |bytes| bytes.starts_with(b"yes"),
        }
    }

    fn id(n: u8) -> Oid {
        Oid::from_bytes(&[n; ID_BYTES]).expect("20 bytes")
    }

    #[test]
    fn a_saved_list_is_read_back_by_the_next_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let memo = Memo::load(dir.path(), gate());
        assert!(!memo.fails(id(1)));
        memo.save([id(1), id(2)].into_iter().collect());
        let next = Memo::load(dir.path(), gate());
        assert!(next.fails(id(1)) && next.fails(id(2)) && !next.fails(id(3)));
        // The next search's failures replace the list.
        next.save([id(3)].into_iter().collect());
        let last = Memo::load(dir.path(), gate());
        assert!(last.fails(id(3)) && !last.fails(id(1)));
    }

    #[test]
    fn a_list_of_another_version_or_cut_short_is_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let memo = Memo::load(dir.path(), gate());
        memo.save([id(1)].into_iter().collect());
        let path = dir.path().join("sre-policy").join("test.blobs");
        let mut bytes = std::fs::read(&path).expect("written");
        bytes.pop();
        std::fs::write(&path, &bytes).expect("rewritten");
        assert!(!Memo::load(dir.path(), gate()).fails(id(1)));
        let other = [
            b"sre-policy 0.0.0 blobs failing test\n".as_slice(),
            &[1; ID_BYTES],
        ]
        .concat();
        std::fs::write(&path, other).expect("rewritten");
        assert!(!Memo::load(dir.path(), gate()).fails(id(1)));
    }
}
