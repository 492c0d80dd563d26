//! Checks of the generator's parts that the file-level tests in `tests/demo.rs` cannot see:
//! positional column lists and the strength of the default model.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::chunk::{Layouts, Plan};
use super::field::Row;
use super::output::{Sinks, Table};
use super::risk::{self, History};
use super::{applicant, bureau, previous};
use crate::ingest::schema::TABLES;

fn schema_names(table: Table) -> Vec<&'static str> {
    TABLES[table as usize]
        .columns
        .iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn positional_rows_follow_the_schema() {
    assert_eq!(
        previous::POS_COLUMNS.to_vec(),
        schema_names(Table::PosCashBalance)
    );
    assert_eq!(
        previous::INSTALMENT_COLUMNS.to_vec(),
        schema_names(Table::InstallmentsPayments)
    );
    assert_eq!(
        previous::CARD_COLUMNS.to_vec(),
        schema_names(Table::CreditCardBalance)
    );
    assert_eq!(
        vec!["SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"],
        schema_names(Table::BureauBalance)
    );
}

#[test]
fn test_applicants_are_spread_and_counted_exactly() {
    let plan = Plan {
        train: 1_003,
        test: 170,
        seed: 1,
    };
    let test: Vec<usize> = (0..plan.total()).filter(|&i| plan.is_test(i)).collect();
    assert_eq!(test.len(), 170);
    assert!(
        test.first().is_some_and(|&i| i < 10),
        "first test applicant {:?}",
        test.first()
    );
    assert!(test.last().is_some_and(|&i| i > 1_160));
}

/// Area under the ROC curve of `scores` for the 0/1 `labels` (ties count half).
fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives) = (0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if labels[k] {
                rank_sum += mid_rank;
                positives += 1.0;
            }
        }
        i = j + 1;
    }
    let negatives = scores.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// The default rate is near the real 8%, and the visible risk ranks applicants well but not
/// perfectly: a model that recovered it exactly would reach about this AUC.
#[test]
fn defaults_are_about_eight_percent_and_learnable() {
    let layouts = Layouts::new();
    let (mut train, mut bureau_row, mut previous_row) = (
        Row::new(&layouts.train),
        Row::new(&layouts.bureau),
        Row::new(&layouts.previous),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut scores, mut labels, mut ext_scores) = (Vec::new(), Vec::new(), Vec::new());
    for id in 0..20_000 {
        let mut sinks = Sinks::new();
        let profile = applicant::sample(&mut rng, id, &mut train);
        let mut history = History::default();
        bureau::write(
            &mut rng,
            &profile,
            0,
            &mut bureau_row,
            &mut sinks,
            &mut history,
        )
        .unwrap();
        previous::write(
            &mut rng,
            &profile,
            0,
            &mut previous_row,
            &mut sinks,
            &mut history,
        )
        .unwrap();
        let probability = risk::default_probability(&mut rng, &profile, &history);
        labels.push(rand::Rng::r#gen::<f64>(&mut rng) < probability);
        scores.push(risk::visible_log_odds(&profile, &history));
        ext_scores.push(-profile.ext_sources[1].unwrap_or(0.5));
    }
    let rate = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;
    let best = auc(&scores, &labels);
    let ext_only = auc(&ext_scores, &labels);
    eprintln!("default rate {rate:.4}, visible-risk AUC {best:.3}, EXT_SOURCE_2 AUC {ext_only:.3}");
    assert!((0.07..0.09).contains(&rate), "default rate {rate}");
    assert!((0.74..0.82).contains(&best), "visible-risk AUC {best}");
    assert!(
        (0.6..0.7).contains(&ext_only),
        "EXT_SOURCE_2 alone AUC {ext_only}"
    );
}
