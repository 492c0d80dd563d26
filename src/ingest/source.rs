//! Finding a file in the data folder and opening it as a stream of CSV records.
//!
//! The raw bytes pass through a hashing reader first (so the SHA-256 recorded in
//! `ingest_files` is that of the file as it lies on disk, compressed or not), then through a
//! gzip decoder for `.csv.gz`, then past a UTF-8 byte-order mark, which is skipped here
//! explicitly rather than relying on the CSV parser. Nothing is held in memory beyond the
//! buffers.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// Finds `<stem>.csv` or `<stem>.csv.gz` in `data_dir`: the exact name first (`.csv` before
/// `.csv.gz`), then the same names in any letter case (`pos_cash_balance.csv`).
pub fn locate(data_dir: &Path, stem: &str) -> Option<PathBuf> {
    let names = [format!("{stem}.csv"), format!("{stem}.csv.gz")];
    if let Some(found) = names
        .iter()
        .map(|name| data_dir.join(name))
        .find(|path| path.is_file())
    {
        return Some(found);
    }

    let mut matches: Vec<PathBuf> = std::fs::read_dir(data_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        })
        .collect();
    // `.csv` sorts before `.csv.gz`, and the order of read_dir is not defined.
    matches.sort();
    matches.into_iter().next()
}

/// The file name of a path, for messages.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// A reader that hashes and counts every byte read through it.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Reads what is left (a gzip trailer, bytes after the last record) and returns the
    /// hex SHA-256 and size of everything.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((hex::encode(self.hasher.finalize()), self.bytes))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Opens `path` for hashing; the caller wraps it with [`decoded`].
pub fn open_raw(path: &Path) -> io::Result<Hashing<BufReader<File>>> {
    let file = File::open(path)?;
    Ok(Hashing::new(BufReader::with_capacity(1 << 20, file)))
}

/// Whether `path` names a gzip-compressed file.
pub fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"))
}

/// The decoded text stream of `raw`, decompressed when `gzip`, past any byte-order mark.
pub fn decoded<'a, R: Read + 'a>(raw: R, gzip: bool) -> Box<dyn Read + 'a> {
    if gzip {
        Box::new(SkipBom::new(MultiGzDecoder::new(raw)))
    } else {
        Box::new(SkipBom::new(raw))
    }
}

/// Passes a stream through, minus a UTF-8 byte-order mark at its very start.
struct SkipBom<R> {
    inner: R,
    /// The first (up to) three bytes, held back until we know whether they are a mark.
    head: [u8; 3],
    head_len: usize,
    head_pos: usize,
    started: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            head: [0; 3],
            head_len: 0,
            head_pos: 0,
            started: false,
        }
    }

    fn read_head(&mut self) -> io::Result<()> {
        // A read may return fewer bytes than asked: gather up to three, or to the end.
        while self.head_len < 3 {
            let n = self.inner.read(&mut self.head[self.head_len..])?;
            if n == 0 {
                break;
            }
            self.head_len += n;
        }
        if self.head[..self.head_len] == *b"\xEF\xBB\xBF" {
            self.head_pos = self.head_len;
        }
        self.started = true;
        Ok(())
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            self.read_head()?;
        }
        if self.head_pos < self.head_len {
            let n = (self.head_len - self.head_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// A CSV reader over a decoded stream: header row read separately, rows of any length
/// accepted (a wrong length is reported by the caller, with its line).
pub fn csv_reader<'a>(stream: Box<dyn Read + 'a>) -> csv::Reader<Box<dyn Read + 'a>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(mut reader: impl Read) -> String {
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn bom_is_skipped_and_plain_text_untouched() {
        let with_bom = b"\xEF\xBB\xBFA,B\n1,2\n".as_slice();
        assert_eq!(read_all(decoded(with_bom, false)), "A,B\n1,2\n");
        let plain = b"A,B\n".as_slice();
        assert_eq!(read_all(decoded(plain, false)), "A,B\n");
        let short = b"A".as_slice();
        assert_eq!(read_all(decoded(short, false)), "A");
        let empty = b"".as_slice();
        assert_eq!(read_all(decoded(empty, false)), "");
    }

    /// Hands out one byte per read, as a slow pipe might.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((byte, rest)), Some(slot)) => {
                    *slot = *byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn bom_arriving_byte_by_byte_is_still_skipped() {
        assert_eq!(read_all(decoded(Trickle(b"\xEF\xBB\xBFA\n"), false)), "A\n");
        let mut partial = Vec::new();
        decoded(Trickle(b"\xEF\xBBX"), false)
            .read_to_end(&mut partial)
            .unwrap();
        assert_eq!(
            partial, b"\xEF\xBBX",
            "an incomplete mark is passed through"
        );
    }

    #[test]
    fn gzip_is_decompressed_and_hash_covers_the_compressed_bytes() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"\xEF\xBB\xBFX\n1\n").unwrap();
        let compressed = encoder.finish().unwrap();

        let mut hashing = Hashing::new(compressed.as_slice());
        let text = read_all(decoded(&mut hashing, true));
        assert_eq!(text, "X\n1\n");
        let (sha, size) = hashing.finish().unwrap();
        assert_eq!(size, compressed.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&compressed)));
    }

    #[test]
    fn locate_finds_csv_then_gz_then_other_case() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(locate(dir.path(), "bureau"), None);
        std::fs::write(dir.path().join("bureau.csv.gz"), b"").unwrap();
        assert_eq!(
            locate(dir.path(), "bureau"),
            Some(dir.path().join("bureau.csv.gz"))
        );
        std::fs::write(dir.path().join("bureau.csv"), b"").unwrap();
        assert_eq!(
            locate(dir.path(), "bureau"),
            Some(dir.path().join("bureau.csv"))
        );
        std::fs::write(dir.path().join("pos_cash_balance.CSV"), b"").unwrap();
        assert_eq!(
            locate(dir.path(), "POS_CASH_balance"),
            Some(dir.path().join("pos_cash_balance.CSV"))
        );
    }
}
