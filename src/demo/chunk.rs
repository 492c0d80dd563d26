//! One chunk of consecutive applicants with all their history, generated from its own random
//! stream so that chunks can be made in any order, on any thread, with identical results.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::DemoError;
use super::applicant;
use super::bureau;
use super::field::{Field, Layout, Row};
use super::output::{Sinks, Table, TableBytes};
use super::previous;
use super::risk::{self, History};
use crate::ingest::schema::TABLES;

/// Applicants per chunk. Part of the output's definition: changing it changes the data.
pub const CHUNK_APPLICANTS: usize = 1_000;

/// First applicant identifier, as in the Kaggle data.
const FIRST_APPLICANT_ID: i64 = 100_002;

/// First bureau credit and previous application identifiers.
const FIRST_BUREAU_ID: i64 = 5_000_000;
const FIRST_PREVIOUS_ID: i64 = 1_000_000;

/// How many applicants there are and which of them are test applicants.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub train: usize,
    pub test: usize,
    pub seed: u64,
}

impl Plan {
    pub fn total(&self) -> usize {
        self.train + self.test
    }

    pub fn chunk_count(&self) -> usize {
        self.total().div_ceil(CHUNK_APPLICANTS)
    }

    /// Test applicants are spread evenly among the training ones, as in the Kaggle files.
    pub fn is_test(&self, ordinal: usize) -> bool {
        let total = self.total() as u128;
        let test = self.test as u128;
        let ordinal = ordinal as u128;
        (ordinal + 1) * test / total > ordinal * test / total
    }
}

/// The column layouts of the wide tables, shared by every chunk of a worker.
pub struct Layouts {
    pub train: Layout,
    pub test: Layout,
    pub bureau: Layout,
    pub previous: Layout,
}

impl Layouts {
    pub fn new() -> Self {
        Self {
            train: Layout::new(TABLES[Table::ApplicationTrain as usize].columns),
            test: Layout::new(TABLES[Table::ApplicationTest as usize].columns),
            bureau: Layout::new(TABLES[Table::Bureau as usize].columns),
            previous: Layout::new(TABLES[Table::PreviousApplication as usize].columns),
        }
    }
}

/// Generates chunk `index` of the plan: the rows of all eight files, formatted.
pub fn generate(
    plan: &Plan,
    index: usize,
    layouts: &Layouts,
) -> Result<Vec<TableBytes>, DemoError> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    rng.set_stream(index as u64);
    let mut sinks = Sinks::new();
    let mut rows = Rows {
        train: Row::new(&layouts.train),
        test: Row::new(&layouts.test),
        bureau: Row::new(&layouts.bureau),
        previous: Row::new(&layouts.previous),
    };
    let start = index * CHUNK_APPLICANTS;
    let end = (start + CHUNK_APPLICANTS).min(plan.total());
    for ordinal in start..end {
        applicant(&mut rng, plan, ordinal, &mut rows, &mut sinks)?;
    }
    sinks.finish()
}

struct Rows<'l> {
    train: Row<'l>,
    test: Row<'l>,
    bureau: Row<'l>,
    previous: Row<'l>,
}

fn applicant(
    rng: &mut ChaCha8Rng,
    plan: &Plan,
    ordinal: usize,
    rows: &mut Rows<'_>,
    sinks: &mut Sinks,
) -> Result<(), DemoError> {
    let is_test = plan.is_test(ordinal);
    let (row, table) = if is_test {
        (&mut rows.test, Table::ApplicationTest)
    } else {
        (&mut rows.train, Table::ApplicationTrain)
    };
    let id = FIRST_APPLICANT_ID + ordinal as i64;
    let profile = applicant::sample(rng, id, row);

    let mut history = History::default();
    let slot = ordinal as i64;
    let bureau_id = FIRST_BUREAU_ID + slot * i64::from(bureau::MAX_CREDITS);
    bureau::write(
        rng,
        &profile,
        bureau_id,
        &mut rows.bureau,
        sinks,
        &mut history,
    )?;
    let previous_id = FIRST_PREVIOUS_ID + slot * i64::from(previous::MAX_APPLICATIONS);
    previous::write(
        rng,
        &profile,
        previous_id,
        &mut rows.previous,
        sinks,
        &mut history,
    )?;

    let probability = risk::default_probability(rng, &profile, &history);
    let defaulted = rand::Rng::r#gen::<f64>(rng) < probability;
    row.set("TARGET", Field::flag(defaulted));
    sinks.write(table, row.fields())
}
