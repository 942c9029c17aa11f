//! Byte offsets to the 1-based line and character columns every output uses, the size
//! limit every source file is held to, and the one way source files are read from disk.

/// Files larger than this are not parsed (they are listed as not checked), unless generated.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// How much of a large file is looked at for a generated-code header.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Whether `src` (from disk, the index or a commit) may be checked: at most
/// [`MAX_FILE_BYTES`], or generated (a generated file is then skipped by its header). The
/// error is the reason the file is listed as not checked.
pub fn check_size(src: &[u8]) -> Result<(), String> {
    let len = src.len() as u64;
    if len <= MAX_FILE_BYTES || crate::walk::is_generated(&src[..HEAD_BYTES.min(src.len())]) {
        return Ok(());
    }
    Err(too_large(len))
}

/// The reason a file of `len` bytes is not checked.
pub fn too_large(len: u64) -> String {
    format!(
        "skipped: too large ({} MB, the limit is {} MB)",
        len.max(MAX_FILE_BYTES + 1).div_ceil(1024 * 1024),
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Line starts of one file's text, for converting byte offsets to positions.
pub struct LineIndex<'a> {
    text: &'a [u8],
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Go counts only `\n` as a line break, and so does tree-sitter; CRLF lines end in `\r\n`.
    pub fn new(text: &'a [u8]) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex { text, line_starts }
    }

    /// 1-based (line, column) of `offset`; the column counts Unicode scalar values, a BOM
    /// at the start of the file counts as nothing, and invalid UTF-8 bytes count one each.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let mut start = self.line_starts[line];
        if line == 0 && self.text.starts_with(b"\xEF\xBB\xBF") {
            start = start.max(3).min(offset.max(start));
        }
        let column = count_chars(&self.text[start.min(offset)..offset]) + 1;
        (line + 1, column)
    }

    /// The whole text.
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// How many lines the text has (a final newline ends the last line).
    pub fn line_count(&self) -> usize {
        let ends_with_newline = self.text.last() == Some(&b'\n');
        self.line_starts.len() - usize::from(ends_with_newline)
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &'a [u8] {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return b"";
        };
        let end = self
            .line_starts
            .get(line)
            .map(|&next| next - 1)
            .unwrap_or(self.text.len());
        let text = &self.text[start..end.max(start)];
        text.strip_suffix(b"\r").unwrap_or(text)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.wrapping_sub(1)).copied()
    }
}

/// Characters in `bytes`: UTF-8 continuation bytes do not start a character.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

fn memchr_iter(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter(move |(_, &b)| b == needle)
        .map(|(i, _)| i)
}

/// Opens `path` for reading; on Unix without following a final symbolic link and without
/// blocking on a FIFO (a FIFO opened so reads as end of file, and is then refused as not a
/// regular file).
pub fn open_no_follow(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        let metadata = std::fs::symlink_metadata(path)?;
        if !metadata.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
    }
    options.open(path)
}

/// The first bytes of a regular file, and its size when it was opened.
pub struct RegularFile {
    pub bytes: Vec<u8>,
    pub len: u64,
}

/// Reads at most `limit` bytes of a regular file, without following a link and without
/// blocking on a FIFO: a file can be swapped for a link to `/dev/zero` or a FIFO between the
/// moment it was listed and the moment it is read. `None` when it is not a regular file.
pub fn read_regular_file(
    path: &std::path::Path,
    limit: u64,
) -> std::io::Result<Option<RegularFile>> {
    use std::io::Read;
    let file = open_no_follow(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(None);
    }
    // Sized from the metadata as `fs::read` does (one allocation), capped by the limit.
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    (&file).take(limit).read_to_end(&mut bytes)?;
    Ok(Some(RegularFile {
        bytes,
        len: metadata.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "ab\nπx = 1\n".as_bytes();
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(3), (2, 1));
        // 'x' follows the two-byte 'π'.
        assert_eq!(index.position(5), (2, 2));
    }

    #[test]
    fn bom_does_not_shift_line_one() {
        let text = b"\xEF\xBB\xBFpackage x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3), (1, 1));
        assert_eq!(index.position(11), (1, 9));
    }

    #[test]
    fn size_limit_spares_generated_files() {
        let big = vec![b' '; MAX_FILE_BYTES as usize + 1];
        assert_eq!(check_size(&big), Err(too_large(MAX_FILE_BYTES + 1)));
        let mut generated = b"// Code generated by x. DO NOT EDIT.\n\npackage a\n".to_vec();
        generated.resize(MAX_FILE_BYTES as usize + 1, b' ');
        assert_eq!(check_size(&generated), Ok(()));
        assert_eq!(check_size(b"package a\n"), Ok(()));
    }

    #[test]
    fn line_text_strips_crlf() {
        let index = LineIndex::new(b"a\r\nbc\r\n");
        assert_eq!(index.line_text(1), b"a");
        assert_eq!(index.line_text(2), b"bc");
        assert_eq!(index.line_start(2), Some(3));
    }
}
