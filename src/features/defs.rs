//! What each feature column is: its source rows (scope), its variable and how it is computed.
//! The SQL of the groups and the plain-language catalog are both generated from these.

/// The rows a feature is computed over; each scope gives its columns their prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Application,
    Bureau,
    BureauActive,
    BureauClosed,
    Previous,
    Approved,
    Refused,
    Pos,
    Instalments,
    CreditCard,
}

impl Scope {
    /// Column prefix (empty for the application's own columns).
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Self::Application => "",
            Self::Bureau => "BURO",
            Self::BureauActive => "ACTIVE",
            Self::BureauClosed => "CLOSED",
            Self::Previous => "PREV",
            Self::Approved => "APPROVED",
            Self::Refused => "REFUSED",
            Self::Pos => "POS",
            Self::Instalments => "INSTAL",
            Self::CreditCard => "CC",
        }
    }

    /// The raw table the rows come from.
    pub(crate) fn source_table(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Bureau | Self::BureauActive | Self::BureauClosed => "bureau",
            Self::Previous | Self::Approved | Self::Refused => "previous_application",
            Self::Pos => "pos_cash_balance",
            Self::Instalments => "installments_payments",
            Self::CreditCard => "credit_card_balance",
        }
    }

    /// The dashboard group of the features.
    pub(crate) fn group_label(self) -> &'static str {
        match self {
            Self::Application => "Application",
            Self::Bureau | Self::BureauActive | Self::BureauClosed => "Credit bureau",
            Self::Previous | Self::Approved | Self::Refused => "Previous applications",
            Self::Pos => "Cash and POS loans",
            Self::Instalments => "Payment history",
            Self::CreditCard => "Credit cards",
        }
    }

    /// SQL condition selecting the scope's rows among the group's rows (alias `h`).
    pub(crate) fn filter(self) -> Option<&'static str> {
        match self {
            Self::BureauActive => Some("h.CREDIT_ACTIVE = 'Active'"),
            Self::BureauClosed => Some("h.CREDIT_ACTIVE = 'Closed'"),
            Self::Approved => Some("h.NAME_CONTRACT_STATUS = 'Approved'"),
            Self::Refused => Some("h.NAME_CONTRACT_STATUS = 'Refused'"),
            _ => None,
        }
    }

    /// The rows in plain words, as the object of a sentence ("the customer's ...").
    pub(crate) fn rows(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Bureau => "credits with other lenders, as reported by the credit bureau",
            Self::BureauActive => "active credits with other lenders (credit bureau)",
            Self::BureauClosed => "closed credits with other lenders (credit bureau)",
            Self::Previous => "previous applications at Home Credit",
            Self::Approved => "approved previous applications at Home Credit",
            Self::Refused => "refused previous applications at Home Credit",
            Self::Pos => "monthly statements of previous cash and point-of-sale loans",
            Self::Instalments => "instalments due on previous loans",
            Self::CreditCard => "monthly statements of previous credit cards",
        }
    }

    /// A short tail for labels ("Average ... on other lenders' credits").
    pub(crate) fn label_tail(self) -> &'static str {
        match self {
            Self::Application => "",
            Self::Bureau => "on other lenders' credits",
            Self::BureauActive => "on active credits with other lenders",
            Self::BureauClosed => "on closed credits with other lenders",
            Self::Previous => "on previous applications",
            Self::Approved => "on approved previous applications",
            Self::Refused => "on refused previous applications",
            Self::Pos => "on cash and shop loan statements",
            Self::Instalments => "on past instalments",
            Self::CreditCard => "on credit card statements",
        }
    }

    /// How the rows are named in "computed as ... over <rows>".
    pub(crate) fn technical_rows(self) -> &'static str {
        match self {
            Self::Application => "the application",
            Self::Bureau => "the customer's bureau rows",
            Self::BureauActive => "the customer's bureau rows with CREDIT_ACTIVE = 'Active'",
            Self::BureauClosed => "the customer's bureau rows with CREDIT_ACTIVE = 'Closed'",
            Self::Previous => "the customer's previous_application rows",
            Self::Approved => {
                "the customer's previous_application rows with NAME_CONTRACT_STATUS = 'Approved'"
            }
            Self::Refused => {
                "the customer's previous_application rows with NAME_CONTRACT_STATUS = 'Refused'"
            }
            Self::Pos => "the customer's POS_CASH_balance rows",
            Self::Instalments => "the customer's installments_payments rows",
            Self::CreditCard => "the customer's credit_card_balance rows",
        }
    }

    /// The identifier counted by the scope's row count.
    pub(crate) fn row_id(self) -> &'static str {
        match self {
            Self::Application => "SK_ID_CURR",
            Self::Bureau | Self::BureauActive | Self::BureauClosed => "SK_ID_BUREAU",
            _ => "SK_ID_PREV",
        }
    }
}

/// A statistic over the rows of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    Min,
    Max,
    Mean,
    Var,
    Sum,
}

/// The five statistics, for tables where every one is wanted.
pub(crate) const ALL_AGGS: &[Agg] = &[Agg::Min, Agg::Max, Agg::Mean, Agg::Sum, Agg::Var];

impl Agg {
    /// Column-name suffix, as in the kernel.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Self::Min => "MIN",
            Self::Max => "MAX",
            Self::Mean => "MEAN",
            Self::Var => "VAR",
            Self::Sum => "SUM",
        }
    }

    /// The SQL aggregate function (sample variance, as pandas' `var`).
    pub(crate) fn sql_function(self) -> &'static str {
        match self {
            Self::Min => "MIN",
            Self::Max => "MAX",
            Self::Mean => "AVG",
            Self::Var => "VAR_SAMP",
            Self::Sum => "SUM",
        }
    }

    /// First words of a label.
    pub(crate) fn label_word(self) -> &'static str {
        match self {
            Self::Min => "Lowest",
            Self::Max => "Highest",
            Self::Mean => "Average",
            Self::Var => "Spread (variance) of",
            Self::Sum => "Total",
        }
    }

    /// The statistic in a sentence ("the average of ...").
    pub(crate) fn in_sentence(self) -> &'static str {
        match self {
            Self::Min => "lowest",
            Self::Max => "highest",
            Self::Mean => "average",
            Self::Var => "spread (sample variance) of the",
            Self::Sum => "total",
        }
    }

    /// The computation in technical words.
    pub(crate) fn technical(self) -> &'static str {
        match self {
            Self::Min => "minimum",
            Self::Max => "maximum",
            Self::Mean => "mean",
            Self::Var => "sample variance",
            Self::Sum => "sum",
        }
    }
}

/// How a feature column is computed from its variable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// An application column taken as it is (as a number).
    Raw,
    /// An application yes/no text column turned into 1/0.
    Binary,
    /// A feature derived on the application (ratio, flag), described by its glossary row.
    Derived,
    /// 1 when the application's categorical equals the category, else 0.
    OneHot { category: String },
    /// A statistic of a numeric column over the scope's rows.
    Aggregate(Agg),
    /// Share of the scope's rows whose categorical equals the category.
    Share { category: String },
    /// Bureau balance: per credit the share of months with the category, averaged over credits.
    ShareOfMonths { category: String },
    /// Number of rows in the scope (0 when none).
    Count,
    /// Number of distinct values of the variable in the scope (0 when none).
    Distinct,
}

impl Kind {
    /// Whether an applicant without rows gets 0 rather than NULL.
    pub(crate) fn zero_when_absent(&self) -> bool {
        matches!(self, Self::Count | Self::Distinct)
    }
}

/// One feature column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureDef {
    pub column: String,
    pub scope: Scope,
    /// Table of the glossary entry of `variable` (differs from the scope's table for the
    /// bureau balance months).
    pub table: &'static str,
    pub variable: String,
    pub kind: Kind,
}
