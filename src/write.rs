//! The one way the tool writes a file (`check --fix`, `--output`, `--sarif`, `init`).
//!
//! The bytes go to a fresh temporary file beside the target (created with
//! `O_CREAT|O_EXCL`, so a planted file or link of any name is never opened), are flushed to
//! disk, and the temporary file is then renamed over the target. A rename replaces a link
//! instead of writing through it, and a full disk or a crash leaves the old file whole.
//! A target that is already a symbolic link is refused: a link committed at a report path or
//! a source path must not decide where the tool writes.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written; the message names the file and the remedy.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
    pub help: &'static str,
}

impl WriteError {
    /// As an error of the command: exit 2, with the remedy as help.
    pub fn into_report(self, what: &str) -> miette::Report {
        miette::miette!(
            help = self.help,
            "cannot write {what} {}: {}",
            self.path.display(),
            self.message
        )
    }
}

/// Replaces (or creates) `target` with `bytes`, atomically. An existing file keeps its
/// permission bits; a new one gets the usual `0o666` less the umask.
pub fn write_file(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let error = |message: String, help: &'static str| WriteError {
        path: target.to_path_buf(),
        message,
        help,
    };
    let existing = match std::fs::symlink_metadata(target) {
        Ok(metadata) => Some(metadata),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(error(
                e.to_string(),
                "check the path and the permissions of its folder",
            ))
        }
    };
    if let Some(metadata) = &existing {
        if metadata.file_type().is_symlink() {
            return Err(error(
                "it is a symbolic link, and links are never written through".to_string(),
                "remove the link (or choose another path); the tool then writes a regular file there",
            ));
        }
        if is_char_device(metadata) {
            // `/dev/null`: written in place (a rename would replace the device).
            return write_device(target, bytes)
                .map_err(|e| error(e.to_string(), "check the device's permissions"));
        }
        if !metadata.is_file() {
            return Err(error(
                "it exists and is not a regular file".to_string(),
                "remove it, or choose another path",
            ));
        }
    }
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let unwritable = |e: std::io::Error| {
        error(
            e.to_string(),
            "check that the folder exists, is writable and has free space",
        )
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".sre-policy-").suffix(".tmp");
    if let Some(metadata) = &existing {
        builder.permissions(metadata.permissions());
    } else {
        // A temporary file is private (0o600); a report or config gets a new file's usual mode.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(dir).map_err(unwritable)?;
    temporary.write_all(bytes).map_err(unwritable)?;
    temporary.as_file().sync_all().map_err(unwritable)?;
    // The permissions asked for at creation pass through the umask; an existing file's are
    // restored exactly.
    if let Some(metadata) = &existing {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())
            .map_err(unwritable)?;
    }
    // On failure the temporary file is removed when `persist`'s error is dropped.
    temporary.persist(target).map_err(|e| unwritable(e.error))?;
    // The rename itself reaches the disk with the folder's entry.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn is_char_device(metadata: &std::fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_char_device(&metadata.file_type())
}

#[cfg(not(unix))]
fn is_char_device(_: &std::fs::Metadata) -> bool {
    false
}

fn write_device(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(target)?.write_all(bytes)
}
