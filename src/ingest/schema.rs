//! The explicit schema of every Home Credit file: column names and types, keys and parents.
//!
//! Types are fixed here rather than sniffed from the data, so that a column that is empty for
//! thousands of rows, or holds one stray value, cannot get a wrong type. They follow the Kaggle
//! files: identifiers, day counts, flags and counters are integers (a value written as `3.0` is
//! accepted), amounts and scores are floating point, categories are text.

/// The type of a column, as validated and as stored in DuckDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A whole number (DuckDB `BIGINT`).
    Integer,
    /// A floating-point number (DuckDB `DOUBLE`).
    Float,
    /// Free text or a category (DuckDB `VARCHAR`).
    Text,
}

impl ColumnType {
    /// The DuckDB type name.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Integer => "BIGINT",
            Self::Float => "DOUBLE",
            Self::Text => "VARCHAR",
        }
    }
}

/// One column of a file.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

/// One Kaggle file and the table it becomes.
#[derive(Debug, Clone, Copy)]
pub struct TableSchema {
    /// File name without extension, as Kaggle spells it (`.csv` or `.csv.gz` is added).
    pub file_stem: &'static str,
    /// DuckDB table name.
    pub table: &'static str,
    /// Column whose values must be unique, if any.
    pub unique_key: Option<&'static str>,
    /// Column referring to a parent row, and the parent (`applicants` = either application file).
    pub parent: Option<(&'static str, &'static str)>,
    pub columns: &'static [Column],
}

impl TableSchema {
    /// The column called `name`, if the schema has it.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Integer,
    }
}

const fn float(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Float,
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}

const APPLICATION_TRAIN_COLUMNS: &[Column] = &[
    int("SK_ID_CURR"),
    int("TARGET"),
    text("NAME_CONTRACT_TYPE"),
    text("CODE_GENDER"),
    text("FLAG_OWN_CAR"),
    text("FLAG_OWN_REALTY"),
    int("CNT_CHILDREN"),
    float("AMT_INCOME_TOTAL"),
    float("AMT_CREDIT"),
    float("AMT_ANNUITY"),
    float("AMT_GOODS_PRICE"),
    text("NAME_TYPE_SUITE"),
    text("NAME_INCOME_TYPE"),
    text("NAME_EDUCATION_TYPE"),
    text("NAME_FAMILY_STATUS"),
    text("NAME_HOUSING_TYPE"),
    float("REGION_POPULATION_RELATIVE"),
    int("DAYS_BIRTH"),
    int("DAYS_EMPLOYED"),
    float("DAYS_REGISTRATION"),
    int("DAYS_ID_PUBLISH"),
    float("OWN_CAR_AGE"),
    int("FLAG_MOBIL"),
    int("FLAG_EMP_PHONE"),
    int("FLAG_WORK_PHONE"),
    int("FLAG_CONT_MOBILE"),
    int("FLAG_PHONE"),
    int("FLAG_EMAIL"),
    text("OCCUPATION_TYPE"),
    float("CNT_FAM_MEMBERS"),
    int("REGION_RATING_CLIENT"),
    int("REGION_RATING_CLIENT_W_CITY"),
    text("WEEKDAY_APPR_PROCESS_START"),
    int("HOUR_APPR_PROCESS_START"),
    int("REG_REGION_NOT_LIVE_REGION"),
    int("REG_REGION_NOT_WORK_REGION"),
    int("LIVE_REGION_NOT_WORK_REGION"),
    int("REG_CITY_NOT_LIVE_CITY"),
    int("REG_CITY_NOT_WORK_CITY"),
    int("LIVE_CITY_NOT_WORK_CITY"),
    text("ORGANIZATION_TYPE"),
    float("EXT_SOURCE_1"),
    float("EXT_SOURCE_2"),
    float("EXT_SOURCE_3"),
    float("APARTMENTS_AVG"),
    float("BASEMENTAREA_AVG"),
    float("YEARS_BEGINEXPLUATATION_AVG"),
    float("YEARS_BUILD_AVG"),
    float("COMMONAREA_AVG"),
    float("ELEVATORS_AVG"),
    float("ENTRANCES_AVG"),
    float("FLOORSMAX_AVG"),
    float("FLOORSMIN_AVG"),
    float("LANDAREA_AVG"),
    float("LIVINGAPARTMENTS_AVG"),
    float("LIVINGAREA_AVG"),
    float("NONLIVINGAPARTMENTS_AVG"),
    float("NONLIVINGAREA_AVG"),
    float("APARTMENTS_MODE"),
    float("BASEMENTAREA_MODE"),
    float("YEARS_BEGINEXPLUATATION_MODE"),
    float("YEARS_BUILD_MODE"),
    float("COMMONAREA_MODE"),
    float("ELEVATORS_MODE"),
    float("ENTRANCES_MODE"),
    float("FLOORSMAX_MODE"),
    float("FLOORSMIN_MODE"),
    float("LANDAREA_MODE"),
    float("LIVINGAPARTMENTS_MODE"),
    float("LIVINGAREA_MODE"),
    float("NONLIVINGAPARTMENTS_MODE"),
    float("NONLIVINGAREA_MODE"),
    float("APARTMENTS_MEDI"),
    float("BASEMENTAREA_MEDI"),
    float("YEARS_BEGINEXPLUATATION_MEDI"),
    float("YEARS_BUILD_MEDI"),
    float("COMMONAREA_MEDI"),
    float("ELEVATORS_MEDI"),
    float("ENTRANCES_MEDI"),
    float("FLOORSMAX_MEDI"),
    float("FLOORSMIN_MEDI"),
    float("LANDAREA_MEDI"),
    float("LIVINGAPARTMENTS_MEDI"),
    float("LIVINGAREA_MEDI"),
    float("NONLIVINGAPARTMENTS_MEDI"),
    float("NONLIVINGAREA_MEDI"),
    text("FONDKAPREMONT_MODE"),
    text("HOUSETYPE_MODE"),
    float("TOTALAREA_MODE"),
    text("WALLSMATERIAL_MODE"),
    text("EMERGENCYSTATE_MODE"),
    float("OBS_30_CNT_SOCIAL_CIRCLE"),
    float("DEF_30_CNT_SOCIAL_CIRCLE"),
    float("OBS_60_CNT_SOCIAL_CIRCLE"),
    float("DEF_60_CNT_SOCIAL_CIRCLE"),
    float("DAYS_LAST_PHONE_CHANGE"),
    int("FLAG_DOCUMENT_2"),
    int("FLAG_DOCUMENT_3"),
    int("FLAG_DOCUMENT_4"),
    int("FLAG_DOCUMENT_5"),
    int("FLAG_DOCUMENT_6"),
    int("FLAG_DOCUMENT_7"),
    int("FLAG_DOCUMENT_8"),
    int("FLAG_DOCUMENT_9"),
    int("FLAG_DOCUMENT_10"),
    int("FLAG_DOCUMENT_11"),
    int("FLAG_DOCUMENT_12"),
    int("FLAG_DOCUMENT_13"),
    int("FLAG_DOCUMENT_14"),
    int("FLAG_DOCUMENT_15"),
    int("FLAG_DOCUMENT_16"),
    int("FLAG_DOCUMENT_17"),
    int("FLAG_DOCUMENT_18"),
    int("FLAG_DOCUMENT_19"),
    int("FLAG_DOCUMENT_20"),
    int("FLAG_DOCUMENT_21"),
    float("AMT_REQ_CREDIT_BUREAU_HOUR"),
    float("AMT_REQ_CREDIT_BUREAU_DAY"),
    float("AMT_REQ_CREDIT_BUREAU_WEEK"),
    float("AMT_REQ_CREDIT_BUREAU_MON"),
    float("AMT_REQ_CREDIT_BUREAU_QRT"),
    float("AMT_REQ_CREDIT_BUREAU_YEAR"),
];

const APPLICATION_TEST_COLUMNS: &[Column] = &[
    int("SK_ID_CURR"),
    text("NAME_CONTRACT_TYPE"),
    text("CODE_GENDER"),
    text("FLAG_OWN_CAR"),
    text("FLAG_OWN_REALTY"),
    int("CNT_CHILDREN"),
    float("AMT_INCOME_TOTAL"),
    float("AMT_CREDIT"),
    float("AMT_ANNUITY"),
    float("AMT_GOODS_PRICE"),
    text("NAME_TYPE_SUITE"),
    text("NAME_INCOME_TYPE"),
    text("NAME_EDUCATION_TYPE"),
    text("NAME_FAMILY_STATUS"),
    text("NAME_HOUSING_TYPE"),
    float("REGION_POPULATION_RELATIVE"),
    int("DAYS_BIRTH"),
    int("DAYS_EMPLOYED"),
    float("DAYS_REGISTRATION"),
    int("DAYS_ID_PUBLISH"),
    float("OWN_CAR_AGE"),
    int("FLAG_MOBIL"),
    int("FLAG_EMP_PHONE"),
    int("FLAG_WORK_PHONE"),
    int("FLAG_CONT_MOBILE"),
    int("FLAG_PHONE"),
    int("FLAG_EMAIL"),
    text("OCCUPATION_TYPE"),
    float("CNT_FAM_MEMBERS"),
    int("REGION_RATING_CLIENT"),
    int("REGION_RATING_CLIENT_W_CITY"),
    text("WEEKDAY_APPR_PROCESS_START"),
    int("HOUR_APPR_PROCESS_START"),
    int("REG_REGION_NOT_LIVE_REGION"),
    int("REG_REGION_NOT_WORK_REGION"),
    int("LIVE_REGION_NOT_WORK_REGION"),
    int("REG_CITY_NOT_LIVE_CITY"),
    int("REG_CITY_NOT_WORK_CITY"),
    int("LIVE_CITY_NOT_WORK_CITY"),
    text("ORGANIZATION_TYPE"),
    float("EXT_SOURCE_1"),
    float("EXT_SOURCE_2"),
    float("EXT_SOURCE_3"),
    float("APARTMENTS_AVG"),
    float("BASEMENTAREA_AVG"),
    float("YEARS_BEGINEXPLUATATION_AVG"),
    float("YEARS_BUILD_AVG"),
    float("COMMONAREA_AVG"),
    float("ELEVATORS_AVG"),
    float("ENTRANCES_AVG"),
    float("FLOORSMAX_AVG"),
    float("FLOORSMIN_AVG"),
    float("LANDAREA_AVG"),
    float("LIVINGAPARTMENTS_AVG"),
    float("LIVINGAREA_AVG"),
    float("NONLIVINGAPARTMENTS_AVG"),
    float("NONLIVINGAREA_AVG"),
    float("APARTMENTS_MODE"),
    float("BASEMENTAREA_MODE"),
    float("YEARS_BEGINEXPLUATATION_MODE"),
    float("YEARS_BUILD_MODE"),
    float("COMMONAREA_MODE"),
    float("ELEVATORS_MODE"),
    float("ENTRANCES_MODE"),
    float("FLOORSMAX_MODE"),
    float("FLOORSMIN_MODE"),
    float("LANDAREA_MODE"),
    float("LIVINGAPARTMENTS_MODE"),
    float("LIVINGAREA_MODE"),
    float("NONLIVINGAPARTMENTS_MODE"),
    float("NONLIVINGAREA_MODE"),
    float("APARTMENTS_MEDI"),
    float("BASEMENTAREA_MEDI"),
    float("YEARS_BEGINEXPLUATATION_MEDI"),
    float("YEARS_BUILD_MEDI"),
    float("COMMONAREA_MEDI"),
    float("ELEVATORS_MEDI"),
    float("ENTRANCES_MEDI"),
    float("FLOORSMAX_MEDI"),
    float("FLOORSMIN_MEDI"),
    float("LANDAREA_MEDI"),
    float("LIVINGAPARTMENTS_MEDI"),
    float("LIVINGAREA_MEDI"),
    float("NONLIVINGAPARTMENTS_MEDI"),
    float("NONLIVINGAREA_MEDI"),
    text("FONDKAPREMONT_MODE"),
    text("HOUSETYPE_MODE"),
    float("TOTALAREA_MODE"),
    text("WALLSMATERIAL_MODE"),
    text("EMERGENCYSTATE_MODE"),
    float("OBS_30_CNT_SOCIAL_CIRCLE"),
    float("DEF_30_CNT_SOCIAL_CIRCLE"),
    float("OBS_60_CNT_SOCIAL_CIRCLE"),
    float("DEF_60_CNT_SOCIAL_CIRCLE"),
    float("DAYS_LAST_PHONE_CHANGE"),
    int("FLAG_DOCUMENT_2"),
    int("FLAG_DOCUMENT_3"),
    int("FLAG_DOCUMENT_4"),
    int("FLAG_DOCUMENT_5"),
    int("FLAG_DOCUMENT_6"),
    int("FLAG_DOCUMENT_7"),
    int("FLAG_DOCUMENT_8"),
    int("FLAG_DOCUMENT_9"),
    int("FLAG_DOCUMENT_10"),
    int("FLAG_DOCUMENT_11"),
    int("FLAG_DOCUMENT_12"),
    int("FLAG_DOCUMENT_13"),
    int("FLAG_DOCUMENT_14"),
    int("FLAG_DOCUMENT_15"),
    int("FLAG_DOCUMENT_16"),
    int("FLAG_DOCUMENT_17"),
    int("FLAG_DOCUMENT_18"),
    int("FLAG_DOCUMENT_19"),
    int("FLAG_DOCUMENT_20"),
    int("FLAG_DOCUMENT_21"),
    float("AMT_REQ_CREDIT_BUREAU_HOUR"),
    float("AMT_REQ_CREDIT_BUREAU_DAY"),
    float("AMT_REQ_CREDIT_BUREAU_WEEK"),
    float("AMT_REQ_CREDIT_BUREAU_MON"),
    float("AMT_REQ_CREDIT_BUREAU_QRT"),
    float("AMT_REQ_CREDIT_BUREAU_YEAR"),
];

const BUREAU_COLUMNS: &[Column] = &[
    int("SK_ID_CURR"),
    int("SK_ID_BUREAU"),
    text("CREDIT_ACTIVE"),
    text("CREDIT_CURRENCY"),
    int("DAYS_CREDIT"),
    int("CREDIT_DAY_OVERDUE"),
    float("DAYS_CREDIT_ENDDATE"),
    float("DAYS_ENDDATE_FACT"),
    float("AMT_CREDIT_MAX_OVERDUE"),
    int("CNT_CREDIT_PROLONG"),
    float("AMT_CREDIT_SUM"),
    float("AMT_CREDIT_SUM_DEBT"),
    float("AMT_CREDIT_SUM_LIMIT"),
    float("AMT_CREDIT_SUM_OVERDUE"),
    text("CREDIT_TYPE"),
    int("DAYS_CREDIT_UPDATE"),
    float("AMT_ANNUITY"),
];

const BUREAU_BALANCE_COLUMNS: &[Column] =
    &[int("SK_ID_BUREAU"), int("MONTHS_BALANCE"), text("STATUS")];

const PREVIOUS_APPLICATION_COLUMNS: &[Column] = &[
    int("SK_ID_PREV"),
    int("SK_ID_CURR"),
    text("NAME_CONTRACT_TYPE"),
    float("AMT_ANNUITY"),
    float("AMT_APPLICATION"),
    float("AMT_CREDIT"),
    float("AMT_DOWN_PAYMENT"),
    float("AMT_GOODS_PRICE"),
    text("WEEKDAY_APPR_PROCESS_START"),
    int("HOUR_APPR_PROCESS_START"),
    text("FLAG_LAST_APPL_PER_CONTRACT"),
    int("NFLAG_LAST_APPL_IN_DAY"),
    float("RATE_DOWN_PAYMENT"),
    float("RATE_INTEREST_PRIMARY"),
    float("RATE_INTEREST_PRIVILEGED"),
    text("NAME_CASH_LOAN_PURPOSE"),
    text("NAME_CONTRACT_STATUS"),
    int("DAYS_DECISION"),
    text("NAME_PAYMENT_TYPE"),
    text("CODE_REJECT_REASON"),
    text("NAME_TYPE_SUITE"),
    text("NAME_CLIENT_TYPE"),
    text("NAME_GOODS_CATEGORY"),
    text("NAME_PORTFOLIO"),
    text("NAME_PRODUCT_TYPE"),
    text("CHANNEL_TYPE"),
    int("SELLERPLACE_AREA"),
    text("NAME_SELLER_INDUSTRY"),
    float("CNT_PAYMENT"),
    text("NAME_YIELD_GROUP"),
    text("PRODUCT_COMBINATION"),
    float("DAYS_FIRST_DRAWING"),
    float("DAYS_FIRST_DUE"),
    float("DAYS_LAST_DUE_1ST_VERSION"),
    float("DAYS_LAST_DUE"),
    float("DAYS_TERMINATION"),
    float("NFLAG_INSURED_ON_APPROVAL"),
];

const POS_CASH_BALANCE_COLUMNS: &[Column] = &[
    int("SK_ID_PREV"),
    int("SK_ID_CURR"),
    int("MONTHS_BALANCE"),
    float("CNT_INSTALMENT"),
    float("CNT_INSTALMENT_FUTURE"),
    text("NAME_CONTRACT_STATUS"),
    int("SK_DPD"),
    int("SK_DPD_DEF"),
];

const INSTALLMENTS_PAYMENTS_COLUMNS: &[Column] = &[
    int("SK_ID_PREV"),
    int("SK_ID_CURR"),
    float("NUM_INSTALMENT_VERSION"),
    int("NUM_INSTALMENT_NUMBER"),
    float("DAYS_INSTALMENT"),
    float("DAYS_ENTRY_PAYMENT"),
    float("AMT_INSTALMENT"),
    float("AMT_PAYMENT"),
];

const CREDIT_CARD_BALANCE_COLUMNS: &[Column] = &[
    int("SK_ID_PREV"),
    int("SK_ID_CURR"),
    int("MONTHS_BALANCE"),
    float("AMT_BALANCE"),
    float("AMT_CREDIT_LIMIT_ACTUAL"),
    float("AMT_DRAWINGS_ATM_CURRENT"),
    float("AMT_DRAWINGS_CURRENT"),
    float("AMT_DRAWINGS_OTHER_CURRENT"),
    float("AMT_DRAWINGS_POS_CURRENT"),
    float("AMT_INST_MIN_REGULARITY"),
    float("AMT_PAYMENT_CURRENT"),
    float("AMT_PAYMENT_TOTAL_CURRENT"),
    float("AMT_RECEIVABLE_PRINCIPAL"),
    float("AMT_RECIVABLE"),
    float("AMT_TOTAL_RECEIVABLE"),
    float("CNT_DRAWINGS_ATM_CURRENT"),
    int("CNT_DRAWINGS_CURRENT"),
    float("CNT_DRAWINGS_OTHER_CURRENT"),
    float("CNT_DRAWINGS_POS_CURRENT"),
    float("CNT_INSTALMENT_MATURE_CUM"),
    text("NAME_CONTRACT_STATUS"),
    int("SK_DPD"),
    int("SK_DPD_DEF"),
];

/// Every Home Credit file, in the order ingest reads them (parents before children).
pub const TABLES: [TableSchema; 8] = [
    TableSchema {
        file_stem: "application_train",
        table: "application_train",
        unique_key: Some("SK_ID_CURR"),
        parent: None,
        columns: APPLICATION_TRAIN_COLUMNS,
    },
    TableSchema {
        file_stem: "application_test",
        table: "application_test",
        unique_key: Some("SK_ID_CURR"),
        parent: None,
        columns: APPLICATION_TEST_COLUMNS,
    },
    TableSchema {
        file_stem: "bureau",
        table: "bureau",
        unique_key: Some("SK_ID_BUREAU"),
        parent: Some(("SK_ID_CURR", "applicants")),
        columns: BUREAU_COLUMNS,
    },
    TableSchema {
        file_stem: "bureau_balance",
        table: "bureau_balance",
        unique_key: None,
        parent: Some(("SK_ID_BUREAU", "bureau")),
        columns: BUREAU_BALANCE_COLUMNS,
    },
    TableSchema {
        file_stem: "previous_application",
        table: "previous_application",
        unique_key: Some("SK_ID_PREV"),
        parent: Some(("SK_ID_CURR", "applicants")),
        columns: PREVIOUS_APPLICATION_COLUMNS,
    },
    TableSchema {
        file_stem: "POS_CASH_balance",
        table: "pos_cash_balance",
        unique_key: None,
        parent: Some(("SK_ID_CURR", "applicants")),
        columns: POS_CASH_BALANCE_COLUMNS,
    },
    TableSchema {
        file_stem: "installments_payments",
        table: "installments_payments",
        unique_key: None,
        parent: Some(("SK_ID_CURR", "applicants")),
        columns: INSTALLMENTS_PAYMENTS_COLUMNS,
    },
    TableSchema {
        file_stem: "credit_card_balance",
        table: "credit_card_balance",
        unique_key: None,
        parent: Some(("SK_ID_CURR", "applicants")),
        columns: CREDIT_CARD_BALANCE_COLUMNS,
    },
];

const COLUMNS_DESCRIPTION_COLUMNS: &[Column] = &[
    text("Table"),
    text("Row"),
    text("Description"),
    text("Special"),
];

/// Kaggle's glossary of the columns: optional, read leniently (UTF-8 or Windows-1252), its
/// leading unnamed index column dropped. Column names are Kaggle's, not upper-case.
pub const COLUMNS_DESCRIPTION: TableSchema = TableSchema {
    file_stem: "HomeCredit_columns_description",
    table: "columns_description",
    unique_key: None,
    parent: None,
    columns: COLUMNS_DESCRIPTION_COLUMNS,
};
