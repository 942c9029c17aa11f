//! Reading source files defensively, and where an input's bytes come from.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::index::Role;
pub use crate::source::MAX_FILE_BYTES;
use crate::source::{too_large, RegularFile, HEAD_BYTES};
use crate::walk;

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Content {
    Disk(PathBuf),
    /// Already read (from git objects, the index, or a change set).
    Bytes(Vec<u8>),
}

/// A file to read, and why.
#[derive(Debug, Clone)]
pub struct Input {
    /// Repository-relative, `/`-separated.
    pub rel: String,
    pub content: Content,
    pub role: Role,
    pub parse: Parse,
    /// A changed file's version before the change: parsed beside this one, which reuses its
    /// tree where the change left the bytes as they were.
    pub previous: Option<Previous>,
    /// The tree of an earlier parse of these same bytes with fewer bodies: this parse reuses
    /// it and parses only the bodies it adds.
    pub earlier: Option<tree_sitter::Tree>,
}

/// The version of a changed file before the change, and the diff's lines.
#[derive(Debug, Clone)]
pub struct Previous {
    pub src: Vec<u8>,
    /// Sorted 1-based lines of this version that the change removed or modified.
    pub removed_lines: Vec<usize>,
    /// Sorted 1-based lines of the new version that the change added or modified.
    pub added_lines: Vec<usize>,
}

/// How much of an input to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parse {
    /// All of it, when some per-file rule could report on it (its bytes hold the rule's
    /// words); otherwise it is only read.
    IfRelevant,
    /// All of it, always (diff mode: change rules read every changed Go file).
    Whole,
    /// What its package declares, with the bodies of the functions and methods of these names
    /// only, unless a per-file rule could report on it: a file read for the index alone
    /// (constants of metric names, functions a change calls), or a changed file with the
    /// declarations the change touches.
    Declarations(BTreeSet<String>),
}

impl Input {
    pub fn checked_on_disk(file: walk::SourceFile) -> Input {
        Input {
            rel: file.rel,
            content: Content::Disk(file.abs),
            role: Role::Checked,
            parse: Parse::IfRelevant,
            previous: None,
            earlier: None,
        }
    }

    pub fn context(rel: String, bytes: Vec<u8>) -> Input {
        Input {
            rel,
            content: Content::Bytes(bytes),
            role: Role::Context,
            parse: Parse::Whole,
            previous: None,
            earlier: None,
        }
    }

    /// An unchanged file read for what it declares, with the bodies of the functions of
    /// `bodies` and those a rule reads.
    pub fn neighbour(rel: String, bytes: Vec<u8>, bodies: BTreeSet<String>) -> Input {
        Input {
            parse: Parse::Declarations(bodies),
            ..Input::context(rel, bytes)
        }
    }

    pub fn read(&self) -> Result<Vec<u8>, String> {
        match &self.content {
            // Bytes from git get the same cap as files read from disk.
            Content::Bytes(bytes) => crate::source::check_size(bytes).map(|()| bytes.clone()),
            Content::Disk(abs) => read_source_file(abs),
        }
    }
}

/// Reads a source file found by the walk, defensively: the entry may have been replaced since
/// (by a FIFO, a device or a symbolic link), have vanished, or be growing. It is opened without
/// following a symbolic link and without blocking, checked to be a regular file on the open
/// handle, and read up to [`MAX_FILE_BYTES`]; a larger file is read only as far as its head
/// (enough to see a generated-code header).
pub fn read_source_file(abs: &Path) -> Result<Vec<u8>, String> {
    let read = crate::source::read_regular_file(abs, MAX_FILE_BYTES + 1)
        .map_err(|e| format!("cannot read: {e}"))?;
    let Some(RegularFile {
        bytes: mut src,
        len,
    }) = read
    else {
        return Err(walk::NOT_REGULAR_SKIP_REASON.to_string());
    };
    if src.len() as u64 <= MAX_FILE_BYTES {
        return Ok(src);
    }
    src.truncate(HEAD_BYTES);
    if walk::is_generated(&src) {
        return Ok(src);
    }
    Err(too_large(len))
}
