//! Category spellings of the Home Credit files with rough frequencies, learnt from the
//! public sample (names and shares only; no rows are reproduced). Weights need not sum to one.

pub type Table = &'static [(&'static str, f64)];

pub const WEEKDAYS: Table = &[
    ("MONDAY", 0.164),
    ("TUESDAY", 0.175),
    ("WEDNESDAY", 0.169),
    ("THURSDAY", 0.165),
    ("FRIDAY", 0.164),
    ("SATURDAY", 0.11),
    ("SUNDAY", 0.053),
];

pub const TYPE_SUITE: Table = &[
    ("Unaccompanied", 0.81),
    ("Family", 0.131),
    ("Spouse, partner", 0.037),
    ("Children", 0.011),
    ("Other_B", 0.006),
    ("Other_A", 0.003),
    ("Group of people", 0.001),
];

pub const WORKING_INCOME_TYPES: Table = &[
    ("Working", 0.636),
    ("Commercial associate", 0.277),
    ("State servant", 0.087),
    ("Student", 0.0001),
    ("Businessman", 0.0001),
];

pub const EDUCATION: Table = &[
    ("Secondary / secondary special", 0.71),
    ("Higher education", 0.243),
    ("Incomplete higher", 0.033),
    ("Lower secondary", 0.012),
    ("Academic degree", 0.0006),
];

pub const FAMILY_STATUS: Table = &[
    ("Married", 0.639),
    ("Single / not married", 0.148),
    ("Civil marriage", 0.097),
    ("Separated", 0.064),
    ("Widow", 0.052),
];

pub const HOUSING: Table = &[
    ("House / apartment", 0.887),
    ("With parents", 0.048),
    ("Municipal apartment", 0.036),
    ("Rented apartment", 0.016),
    ("Office apartment", 0.009),
    ("Co-op apartment", 0.004),
];

pub const OCCUPATIONS: Table = &[
    ("Laborers", 0.2701),
    ("Sales staff", 0.1506),
    ("Core staff", 0.1341),
    ("Managers", 0.0986),
    ("Drivers", 0.0894),
    ("Accountants", 0.0512),
    ("High skill tech staff", 0.0465),
    ("Medicine staff", 0.0382),
    ("Security staff", 0.0306),
    ("Cooking staff", 0.0296),
    ("Cleaning staff", 0.0178),
    ("Low-skill Laborers", 0.0122),
    ("Private service staff", 0.0108),
    ("Secretaries", 0.0063),
    ("Waiters/barmen staff", 0.0057),
    ("Realty agents", 0.0037),
    ("IT staff", 0.0029),
    ("HR staff", 0.0016),
];

/// Employers of working applicants; pensioners get `XNA`.
pub const ORGANIZATIONS: Table = &[
    ("Business Entity Type 3", 0.222),
    ("Self-employed", 0.1284),
    ("Other", 0.0539),
    ("Government", 0.0369),
    ("Business Entity Type 2", 0.0346),
    ("Medicine", 0.0331),
    ("School", 0.0271),
    ("Trade: type 7", 0.024),
    ("Kindergarten", 0.0215),
    ("Business Entity Type 1", 0.0204),
    ("Construction", 0.0182),
    ("Transport: type 4", 0.0171),
    ("Trade: type 3", 0.0126),
    ("Military", 0.0107),
    ("Industry: type 9", 0.0105),
    ("Housing", 0.0103),
    ("Industry: type 3", 0.0099),
    ("Industry: type 11", 0.0089),
    ("Security", 0.0088),
    ("Transport: type 2", 0.0086),
    ("Bank", 0.008),
    ("Agriculture", 0.0074),
    ("Postal", 0.0073),
    ("Police", 0.0072),
    ("Security Ministries", 0.0062),
    ("Services", 0.0058),
    ("Restaurant", 0.0054),
    ("Trade: type 2", 0.0053),
    ("Hotel", 0.0053),
    ("Transport: type 3", 0.0051),
    ("University", 0.0047),
    ("Industry: type 1", 0.0046),
    ("Industry: type 7", 0.0042),
    ("Industry: type 4", 0.0027),
    ("Electricity", 0.0024),
    ("Industry: type 5", 0.0024),
    ("Insurance", 0.002),
    ("Emergency", 0.0019),
    ("Industry: type 12", 0.0018),
    ("Trade: type 6", 0.0016),
    ("Transport: type 1", 0.0016),
    ("Industry: type 2", 0.0015),
    ("Culture", 0.0014),
    ("Telecom", 0.0012),
    ("Mobile", 0.0011),
    ("Advertising", 0.0009),
    ("Trade: type 1", 0.0008),
    ("Cleaning", 0.0008),
    ("Legal Services", 0.0007),
    ("Realtor", 0.0005),
    ("Industry: type 6", 0.0005),
    ("Religion", 0.0004),
    ("Industry: type 13", 0.0004),
    ("Industry: type 10", 0.0003),
    ("Trade: type 5", 0.0003),
    ("Trade: type 4", 0.0001),
    ("Industry: type 8", 0.0001),
];

pub const FONDKAPREMONT: Table = &[
    ("reg oper account", 0.769),
    ("reg oper spec account", 0.117),
    ("org spec account", 0.061),
    ("not specified", 0.053),
];

pub const HOUSE_TYPE: Table = &[
    ("block of flats", 0.981),
    ("specific housing", 0.01),
    ("terraced house", 0.008),
];

pub const WALLS: Table = &[
    ("Stone, brick", 0.44),
    ("Panel", 0.425),
    ("Block", 0.065),
    ("Wooden", 0.033),
    ("Mixed", 0.014),
    ("Monolithic", 0.013),
    ("Others", 0.011),
];

/// Shares of applicants holding each `FLAG_DOCUMENT_<n>`, n = 2..=21.
pub const DOCUMENT_SHARES: [f64; 20] = [
    0.00004, 0.71, 0.0001, 0.015, 0.088, 0.0002, 0.081, 0.004, 0.00002, 0.004, 0.00001, 0.0035,
    0.003, 0.0012, 0.01, 0.0003, 0.008, 0.0006, 0.0005, 0.0003,
];

// Bureau.

pub const CREDIT_CURRENCY: Table = &[("currency 1", 0.9992), ("currency 2", 0.0008)];

/// Credit types with the median amount (log-normal) and typical length in days.
pub const CREDIT_TYPES: &[(&str, f64, f64, f64)] = &[
    ("Consumer credit", 0.725, 110_000.0, 700.0),
    ("Credit card", 0.238, 120_000.0, 1_500.0),
    ("Car loan", 0.015, 650_000.0, 1_500.0),
    ("Mortgage", 0.01, 2_000_000.0, 5_000.0),
    ("Microloan", 0.01, 25_000.0, 120.0),
    ("Loan for business development", 0.002, 500_000.0, 1_000.0),
    ("Another type of loan", 0.0004, 150_000.0, 700.0),
];

// Previous applications.

pub const CASH_PURPOSES: Table = &[
    ("XNA", 0.88),
    ("Repairs", 0.036),
    ("Other", 0.018),
    ("Urgent needs", 0.01),
    ("Buying a used car", 0.005),
    ("Buying a new car", 0.005),
    ("Everyday expenses", 0.004),
    ("Payments on other loans", 0.003),
    ("Medicine", 0.003),
    ("Buying a holiday home / land", 0.002),
    ("Wedding / gift / holiday", 0.002),
    ("Education", 0.001),
    ("Furniture", 0.001),
];

/// Goods categories of consumer loans with the seller industry that sells them and the
/// product family used in `PRODUCT_COMBINATION`.
pub const GOODS: &[(&str, f64, &str, &str)] = &[
    ("Mobile", 0.315, "Connectivity", "mobile"),
    (
        "Consumer Electronics",
        0.167,
        "Consumer electronics",
        "household",
    ),
    ("Audio/Video", 0.153, "Consumer electronics", "household"),
    ("Computers", 0.146, "Consumer electronics", "household"),
    ("Furniture", 0.068, "Furniture", "industry"),
    (
        "Photo / Cinema Equipment",
        0.039,
        "Consumer electronics",
        "household",
    ),
    ("Construction Materials", 0.034, "Construction", "industry"),
    ("Clothing and Accessories", 0.034, "Clothing", "other"),
    ("Jewelry", 0.009, "Jewelry", "other"),
    ("Homewares", 0.007, "Industry", "household"),
    ("Medical Supplies", 0.005, "Industry", "other"),
    ("Vehicles", 0.005, "Auto technology", "industry"),
    ("Other", 0.005, "Industry", "other"),
    ("Gardening", 0.004, "Industry", "industry"),
    ("Medicine", 0.002, "Industry", "other"),
    ("Auto Accessories", 0.002, "Auto technology", "industry"),
    ("Sport and Leisure", 0.002, "Industry", "other"),
    (
        "Office Appliances",
        0.002,
        "Consumer electronics",
        "household",
    ),
    ("Tourism", 0.002, "Tourism", "other"),
    ("Direct Sales", 0.001, "Industry", "other"),
];

pub const POS_CHANNELS: Table = &[
    ("Country-wide", 0.55),
    ("Stone", 0.28),
    ("Regional / Local", 0.15),
    ("Channel of corporate sales", 0.02),
];

pub const CASH_CHANNELS: Table = &[
    ("Credit and cash offices", 0.8),
    ("Contact center", 0.09),
    ("AP+ (Cash loan)", 0.1),
    ("Channel of corporate sales", 0.01),
];

pub const REJECT_REASONS: Table = &[
    ("HC", 0.54),
    ("LIMIT", 0.22),
    ("SCO", 0.16),
    ("SCOFR", 0.04),
    ("XNA", 0.03),
    ("VERIF", 0.01),
];

pub const CLIENT_TYPES: Table = &[("Repeater", 0.727), ("New", 0.192), ("Refreshed", 0.081)];

pub const PAYMENT_TYPES: Table = &[
    ("Cash through the bank", 0.985),
    ("Non-cash from your account", 0.012),
    ("Cashless from the account of the employer", 0.003),
];

/// Yield groups of priced offers, with the monthly interest rate behind each.
pub const YIELD_GROUPS: &[(&str, f64, f64)] = &[
    ("middle", 0.32, 0.018),
    ("high", 0.31, 0.03),
    ("low_normal", 0.28, 0.011),
    ("low_action", 0.09, 0.004),
];
