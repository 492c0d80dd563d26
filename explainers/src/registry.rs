//! Builds explainers by name. Adding an explainer means writing its module (type, `impl
//! Explainer`, tests) and one line in [`build`]'s match and [`KNOWN`].

use std::sync::Arc;

use crate::ExplainError;
use crate::cohort::CohortExplainer;
use crate::explainer::{ExplainContext, Explainer, Section, Subject};
use crate::reasons::ReasonsExplainer;
use crate::treeshap::TreeShapExplainer;

/// Names accepted by [`build`].
pub const KNOWN: [&str; 3] = ["treeshap", "reasons", "cohort"];

/// One explainer per name, in the given order, sharing `ctx`.
pub fn build(
    names: &[String],
    ctx: Arc<ExplainContext>,
) -> Result<Vec<Box<dyn Explainer>>, ExplainError> {
    names
        .iter()
        .map(|name| build_one(name, Arc::clone(&ctx)))
        .collect()
}

fn build_one(name: &str, ctx: Arc<ExplainContext>) -> Result<Box<dyn Explainer>, ExplainError> {
    match name {
        "treeshap" => Ok(Box::new(TreeShapExplainer::new(ctx))),
        "reasons" => Ok(Box::new(ReasonsExplainer::new(ctx))),
        "cohort" => Ok(Box::new(CohortExplainer::new(ctx)?)),
        _ => Err(ExplainError::UnknownExplainer {
            name: name.to_string(),
            known: KNOWN.join(", "),
        }),
    }
}

/// Runs every explainer on the subject, stopping at the first error.
pub fn explain_all(
    explainers: &[Box<dyn Explainer>],
    subject: &Subject<'_>,
) -> Result<Vec<Section>, ExplainError> {
    explainers.iter().map(|e| e.explain(subject)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::CohortIndex;
    use crate::data::FeatureCatalog;
    use crate::reference::ReferenceStats;
    use crate::synthetic::{self, SyntheticSpec};

    fn context(with_cohort: bool) -> Arc<ExplainContext> {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 30,
            max_depth: 4,
            features: 12,
            early_leaf: 0.1,
            seed: 5,
        });
        let data = synthetic::matrix(300, 12, 0.1, 6);
        let labels = synthetic::labels(&ensemble, &data, 7);
        let reference = ReferenceStats::build(&data, &labels).expect("has repaid rows");
        let catalog = FeatureCatalog::plain(&ensemble.feature_names);
        let cohort =
            with_cohort.then(|| CohortIndex::build(&data, &[0, 1, 2, 3], Some(labels), None));
        let cohort = cohort.transpose().expect("valid cohort inputs");
        Arc::new(
            ExplainContext::new(ensemble, catalog, reference, cohort).expect("consistent parts"),
        )
    }

    #[test]
    fn builds_known_explainers_in_order_and_explains() {
        let ctx = context(true);
        let names: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
        let explainers = build(&names, Arc::clone(&ctx)).expect("all known");
        assert_eq!(
            explainers.iter().map(|e| e.name()).collect::<Vec<_>>(),
            KNOWN
        );

        let data = synthetic::matrix(1, 12, 0.1, 99);
        let subject = Subject {
            row: data.row(0),
            reference_index: None,
        };
        let sections = explain_all(&explainers, &subject).expect("valid subject");
        let Section::Contributions(c) = &sections[0] else {
            panic!("treeshap gives contributions")
        };
        assert!((c.shap.prediction() - ctx.ensemble.predict_raw(subject.row)).abs() < 1e-9);
        assert!((c.waterfall.prediction - c.shap.prediction()).abs() < 1e-9);
        assert!(matches!(sections[1], Section::Reasons(_)));
        assert!(matches!(&sections[2], Section::Cohort(s) if s.size == 100));

        let json = serde_json::to_string(&sections).expect("sections serialise");
        assert!(json.contains(r#""kind":"reasons""#));
    }

    #[test]
    fn unknown_name_is_reported_with_the_known_ones() {
        let err = build(&["lime".to_string()], context(false)).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("Unknown explainer `lime`; known explainers are: treeshap, reasons, cohort")
        );
    }

    #[test]
    fn cohort_needs_an_index() {
        let err = build(&["cohort".to_string()], context(false)).err();
        assert!(matches!(
            err,
            Some(ExplainError::Unavailable {
                explainer: "cohort",
                ..
            })
        ));
    }
}
