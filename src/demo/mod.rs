//! Realistic generated data in the exact format of the Kaggle "Home Credit Default Risk"
//! files, for people without the Kaggle download, for the project's tests and for measuring
//! the pipeline at full size.
//!
//! The eight files have the columns of [`crate::ingest::schema::TABLES`], the real category
//! spellings, plausible distributions and missing shares, and the real relations: every child
//! row belongs to an applicant of one of the application files (and POS, instalment and card
//! rows to a previous application of the same applicant). About 8% of training applicants
//! default, depending on what their data shows (external scores, age, loan burden, bureau
//! arrears, late instalments, refused applications), so that a model can learn the risk.
//!
//! Applicants are generated in fixed chunks, each from its own seeded random stream, on
//! several threads, and appended to the files in order: the same options always give
//! byte-identical files, and memory stays small whatever the size.

mod applicant;
mod bureau;
mod categories;
mod chunk;
mod field;
mod output;
mod previous;
mod risk;
mod sample;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::ingest::schema::TABLES;
use crate::report::Reporter;

use chunk::{Layouts, Plan};
use output::{TABLE_COUNT, TableBytes};

/// How much demo data to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Applicants in `application_train.csv` (with TARGET).
    pub applicants: usize,
    /// Applicants in `application_test.csv` (without TARGET).
    pub test_applicants: usize,
    /// Seed of every random choice: the same options give byte-identical files.
    pub seed: u64,
}

impl DemoOptions {
    /// The size of the Kaggle data: 307,511 training and 48,744 test applicants (about
    /// 2.5 GB of CSV).
    pub fn full_size() -> Self {
        Self {
            applicants: 307_511,
            test_applicants: 48_744,
            seed: 42,
        }
    }

    /// A small set for tests and quick trials: 2,000 training and 300 test applicants.
    pub fn small() -> Self {
        Self {
            applicants: 2_000,
            test_applicants: 300,
            seed: 42,
        }
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub file_name: String,
    pub path: PathBuf,
    /// Data rows (the header not counted).
    pub rows: u64,
    pub bytes: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub dir: PathBuf,
    /// The eight files, in the order of [`TABLES`].
    pub files: Vec<FileSummary>,
    pub elapsed_secs: f64,
}

impl DemoSummary {
    /// Bytes written over all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|file| file.bytes).sum()
    }

    /// Rows written to the file of `file_stem` (e.g. `"bureau"`), if generated.
    pub fn rows(&self, file_stem: &str) -> Option<u64> {
        self.files
            .iter()
            .find(|file| file.file_name == format!("{file_stem}.csv"))
            .map(|file| file.rows)
    }
}

/// Why demo data could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("Demo data needs at least one training applicant; `applicants` is 0")]
    NoApplicants,
    #[error("Cannot create the demo data folder `{path}`: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot write the demo file `{path}`: {source}. Check free disk space and permissions")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot format a row of `{file}.csv`: {source}")]
    Format {
        file: &'static str,
        source: csv::Error,
    },
    #[error("A demo data worker thread stopped unexpectedly")]
    Worker,
}

/// Writes the eight Kaggle files into `dir` (created if needed), replacing files of the same
/// names. Files are written under a temporary name and renamed once complete.
pub fn generate(
    dir: &Path,
    opts: &DemoOptions,
    reporter: &Reporter,
) -> Result<DemoSummary, DemoError> {
    if opts.applicants == 0 {
        return Err(DemoError::NoApplicants);
    }
    fs::create_dir_all(dir).map_err(|source| DemoError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let plan = Plan {
        train: opts.applicants,
        test: opts.test_applicants,
        seed: opts.seed,
    };
    let started = std::time::Instant::now();
    let _span = tracing::debug_span!("demo", applicants = plan.total(), seed = opts.seed).entered();
    reporter.info(format!(
        "Generating demo data in {}: {} training and {} test applicants",
        dir.display(),
        opts.applicants,
        opts.test_applicants
    ));
    let mut files = OutputFiles::create(dir)?;
    let result = run_workers(&plan, &mut files, reporter);
    let files = match result {
        Ok(()) => files.finish()?,
        Err(error) => {
            files.discard();
            return Err(error);
        }
    };
    let summary = DemoSummary {
        dir: dir.to_path_buf(),
        files,
        elapsed_secs: started.elapsed().as_secs_f64(),
    };
    report_summary(&summary, reporter);
    Ok(summary)
}

fn report_summary(summary: &DemoSummary, reporter: &Reporter) {
    for file in &summary.files {
        reporter.info(format!(
            "  {:<28} {:>12} rows {:>10.1} MB",
            file.file_name,
            file.rows,
            file.bytes as f64 / 1e6
        ));
    }
    let megabytes = summary.total_bytes() as f64 / 1e6;
    reporter.info(format!(
        "Demo data written: {megabytes:.1} MB in {:.1} s ({:.0} MB/s)",
        summary.elapsed_secs,
        megabytes / summary.elapsed_secs.max(1e-9)
    ));
}

/// Chunks are generated round-robin by the workers and written in order by this thread.
fn run_workers(plan: &Plan, files: &mut OutputFiles, reporter: &Reporter) -> Result<(), DemoError> {
    let chunks = plan.chunk_count();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(chunks.max(1));
    std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(workers);
        for worker in 0..workers {
            // Two chunks in flight per worker bound the memory used.
            let (sender, receiver) = mpsc::sync_channel(2);
            receivers.push(receiver);
            scope.spawn(move || {
                let layouts = Layouts::new();
                for index in (worker..chunks).step_by(workers) {
                    let output = chunk::generate(plan, index, &layouts);
                    let failed = output.is_err();
                    if sender.send(output).is_err() || failed {
                        break;
                    }
                }
            });
        }
        let mut progress = Progress::new(chunks);
        for index in 0..chunks {
            let output = receivers[index % workers]
                .recv()
                .map_err(|_| DemoError::Worker)??;
            files.append(&output)?;
            progress.chunk_done(index, files.total_bytes(), reporter);
        }
        Ok(())
    })
}

/// Reports roughly every tenth of the work on large runs.
struct Progress {
    chunks: usize,
    next_tenth: usize,
}

impl Progress {
    fn new(chunks: usize) -> Self {
        Self {
            chunks,
            next_tenth: 1,
        }
    }

    fn chunk_done(&mut self, index: usize, bytes: u64, reporter: &Reporter) {
        if self.chunks < 20 {
            return;
        }
        let done = index + 1;
        if done * 10 >= self.next_tenth * self.chunks {
            reporter.info(format!(
                "  {}% of applicants generated ({:.0} MB)",
                self.next_tenth * 10,
                bytes as f64 / 1e6
            ));
            self.next_tenth += 1;
        }
    }
}

/// The eight files being written, under temporary names until complete.
struct OutputFiles {
    files: Vec<OutputFile>,
}

struct OutputFile {
    final_path: PathBuf,
    partial_path: PathBuf,
    writer: BufWriter<File>,
    rows: u64,
    bytes: u64,
}

impl OutputFiles {
    fn create(dir: &Path) -> Result<Self, DemoError> {
        let mut files = Vec::with_capacity(TABLE_COUNT);
        for table in &TABLES {
            let final_path = dir.join(format!("{}.csv", table.file_stem));
            let partial_path = dir.join(format!("{}.csv.partial", table.file_stem));
            let file = File::create(&partial_path).map_err(|source| DemoError::Write {
                path: partial_path.clone(),
                source,
            })?;
            let mut output = OutputFile {
                final_path,
                partial_path,
                writer: BufWriter::with_capacity(1 << 20, file),
                rows: 0,
                bytes: 0,
            };
            let header: Vec<&str> = table.columns.iter().map(|column| column.name).collect();
            output.write(format!("{}\n", header.join(",")).as_bytes())?;
            files.push(output);
        }
        Ok(Self { files })
    }

    fn append(&mut self, chunk: &[TableBytes]) -> Result<(), DemoError> {
        for (file, table) in self.files.iter_mut().zip(chunk) {
            file.write(&table.bytes)?;
            file.rows += table.rows;
        }
        Ok(())
    }

    fn total_bytes(&self) -> u64 {
        self.files.iter().map(|file| file.bytes).sum()
    }

    fn finish(self) -> Result<Vec<FileSummary>, DemoError> {
        let mut summaries = Vec::with_capacity(self.files.len());
        for mut file in self.files {
            file.writer.flush().map_err(|source| DemoError::Write {
                path: file.partial_path.clone(),
                source,
            })?;
            drop(file.writer);
            fs::rename(&file.partial_path, &file.final_path).map_err(|source| {
                DemoError::Write {
                    path: file.final_path.clone(),
                    source,
                }
            })?;
            summaries.push(FileSummary {
                file_name: file_name(&file.final_path),
                path: file.final_path,
                rows: file.rows,
                bytes: file.bytes,
            });
        }
        Ok(summaries)
    }

    /// Removes the temporary files after a failure (best effort: the error already reported
    /// matters more than a leftover `.partial` file).
    fn discard(self) {
        for file in self.files {
            drop(file.writer);
            let _ = fs::remove_file(&file.partial_path);
        }
    }
}

impl OutputFile {
    fn write(&mut self, bytes: &[u8]) -> Result<(), DemoError> {
        self.writer
            .write_all(bytes)
            .map_err(|source| DemoError::Write {
                path: self.partial_path.clone(),
                source,
            })?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
