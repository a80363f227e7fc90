//! The invented collaborative's fixed geography: four places shaped like Kent and Medway's,
//! the towns areas are scattered around, and the inpatient units (local and out of area).
//!
//! Town and unit coordinates are those of the real towns (WGS84, to about 100 m); the unit
//! names are generic and the independent-sector codes (`ND…`) are invented. Nothing here
//! describes a real hospital's activity.

/// The four places (health and care partnerships), in table order.
pub const PLACES: [&str; 4] = [
    "Dartford, Gravesham and Swanley",
    "West Kent",
    "Medway and Swale",
    "East Kent",
];

/// Population of each place at scale 1 (about 1.9 million in all, as Kent and Medway).
pub(crate) const PLACE_POPULATION: [f64; 4] = [275_000.0, 500_000.0, 440_000.0, 685_000.0];

/// A town areas cluster around.
pub(crate) struct Town {
    pub place: usize,
    pub lat: f64,
    pub lon: f64,
    /// Share of its place's areas.
    pub weight: f64,
    /// Standard deviation of the areas' scatter, km (small on the coast).
    pub spread_km: f64,
    /// Typical IMD decile (1 = most deprived): East Kent's coast, Sheppey and Chatham low.
    pub imd: f64,
}

const fn town(place: usize, lat: f64, lon: f64, weight: f64, spread_km: f64, imd: f64) -> Town {
    Town {
        place,
        lat,
        lon,
        weight,
        spread_km,
        imd,
    }
}

pub(crate) const TOWNS: [Town; 22] = [
    town(0, 51.4462, 0.2169, 0.42, 3.0, 5.5), // Dartford
    town(0, 51.4415, 0.3685, 0.40, 3.5, 4.8), // Gravesend
    town(0, 51.3970, 0.1730, 0.18, 3.0, 5.8), // Swanley
    town(1, 51.2720, 0.5220, 0.34, 4.0, 5.8), // Maidstone
    town(1, 51.1320, 0.2630, 0.22, 4.5, 7.6), // Tunbridge Wells
    town(1, 51.1950, 0.2750, 0.16, 3.5, 7.0), // Tonbridge
    town(1, 51.2720, 0.1900, 0.15, 4.5, 8.2), // Sevenoaks
    town(1, 51.2930, 0.4090, 0.13, 3.5, 7.5), // West Malling
    town(2, 51.3780, 0.5250, 0.24, 2.5, 3.8), // Chatham
    town(2, 51.3890, 0.5480, 0.20, 2.5, 4.3), // Gillingham
    town(2, 51.3880, 0.5070, 0.20, 4.0, 5.0), // Rochester and Strood
    town(2, 51.3400, 0.7330, 0.20, 3.5, 4.8), // Sittingbourne
    town(2, 51.4410, 0.7600, 0.10, 2.5, 2.6), // Sheerness
    town(2, 51.3150, 0.8890, 0.06, 3.0, 6.0), // Faversham
    town(3, 51.2800, 1.0790, 0.18, 4.5, 5.8), // Canterbury
    town(3, 51.3800, 1.3860, 0.12, 2.0, 2.8), // Margate
    town(3, 51.3360, 1.4100, 0.10, 2.0, 3.2), // Ramsgate
    town(3, 51.0810, 1.1660, 0.14, 3.5, 4.0), // Folkestone
    town(3, 51.1290, 1.3080, 0.12, 3.0, 4.0), // Dover
    town(3, 51.1460, 0.8750, 0.20, 5.0, 6.0), // Ashford
    town(3, 51.3650, 1.1280, 0.08, 3.0, 5.5), // Herne Bay
    town(3, 51.2230, 1.3950, 0.06, 2.5, 6.0), // Deal
];

/// Bed kinds: adult acute, older adult acute, adult PICU (MHSDS 10/11/12, 200/201/202 from
/// April 2024).
pub(crate) const ADULT: u8 = 0;
pub(crate) const OLDER: u8 = 1;
pub(crate) const PICU: u8 = 2;
pub(crate) const BED_CODES_OLD: [&str; 3] = ["10", "11", "12"];
pub(crate) const BED_CODES_NEW: [&str; 3] = ["200", "201", "202"];

/// The local trust, which sends every placement.
pub(crate) const LOCAL_ORG: &str = "RXY";

/// An inpatient unit.
pub(crate) struct UnitDef {
    pub site: &'static str,
    pub org: &'static str,
    pub name: &'static str,
    pub sector: &'static str,
    pub local: bool,
    pub lat: f64,
    pub lon: f64,
    /// Bit `k` set: has beds of kind `k`.
    pub beds: u8,
    /// Relative size, for choosing among units.
    pub capacity: f64,
}

const A: u8 = 1 << ADULT;
const O: u8 = 1 << OLDER;
const P: u8 = 1 << PICU;

#[allow(clippy::too_many_arguments)]
const fn unit(
    site: &'static str,
    org: &'static str,
    name: &'static str,
    sector: &'static str,
    lat: f64,
    lon: f64,
    beds: u8,
    capacity: f64,
) -> UnitDef {
    UnitDef {
        site,
        org,
        name,
        sector,
        local: matches!(org.as_bytes(), b"RXY"),
        lat,
        lon,
        beds,
        capacity,
    }
}

const NHS: &str = "nhs";
/// The independent sector, which charges more per bed day.
pub(crate) const IND: &str = "independent";

/// Local units (the trust RXY) and out-of-area ones, nearest first; one line each.
#[rustfmt::skip]
pub(crate) const UNITS: [UnitDef; 17] = [
    unit("RXY01", "RXY", "Dartford acute unit", NHS, 51.4440, 0.2460, A, 1.0),
    unit("RXY02", "RXY", "Maidstone acute and PICU unit", NHS, 51.2760, 0.4880, A | P, 1.5),
    unit("RXY03", "RXY", "Canterbury acute unit", NHS, 51.2770, 1.0990, A | O, 1.2),
    unit("RXY04", "RXY", "Margate acute unit", NHS, 51.3790, 1.3900, A, 0.8),
    unit("RXY05", "RXY", "Dartford older adult unit", NHS, 51.4400, 0.2400, O, 0.8),
    unit("RV5A1", "RV5", "South London unit, Beckenham", NHS, 51.3830, -0.0310, A | P, 2.0),
    unit("RPG01", "RPG", "South-east London unit, Woolwich", NHS, 51.4900, 0.0650, A, 1.5),
    unit("RXX01", "RXX", "Surrey unit, Chertsey", NHS, 51.3870, -0.5090, A | O, 1.5),
    unit("RX201", "RX2", "Sussex unit, Hastings", NHS, 50.8550, 0.5730, A | O, 1.5),
    unit("RX202", "RX2", "Sussex unit, Brighton", NHS, 50.8280, -0.1390, A | P, 1.5),
    unit("R1L01", "R1L", "Essex unit, Basildon", NHS, 51.5760, 0.4880, A | P, 1.5),
    unit("R1L02", "R1L", "Essex unit, Colchester", NHS, 51.8890, 0.9010, A | O, 1.0),
    unit("NDA01", "NDA", "Independent hospital, Woking", IND, 51.3190, -0.5580, A | P, 3.0),
    unit("NDA02", "NDA", "Independent hospital, Chelmsford", IND, 51.7360, 0.4690, A | P, 3.0),
    unit("NDB01", "NDB", "Independent hospital, Northampton", IND, 52.2370, -0.8940, A | O | P, 3.0),
    unit("NDB02", "NDB", "Independent hospital, Birmingham", IND, 52.4860, -1.8900, A | P, 3.0),
    unit("NDC01", "NDC", "Independent hospital, Manchester", IND, 53.4810, -2.2420, A | P, 4.0),
];

/// ESP 2013 age bands of the population table.
pub const ESP_AGE_BANDS: [&str; 19] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

/// Share of people in each ESP band (England and Wales 2021 census, rounded) and the share of
/// each band that is male (women outlive men).
pub(crate) const AGE_SHARE: [f64; 19] = [
    5.4, 5.9, 6.1, 5.8, 5.8, 6.4, 6.8, 6.6, 6.3, 6.4, 7.0, 6.9, 6.1, 5.2, 5.1, 3.8, 2.6, 1.5, 0.9,
];
pub(crate) const MALE_SHARE: [f64; 19] = [
    0.512, 0.512, 0.512, 0.515, 0.505, 0.495, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.485, 0.48,
    0.47, 0.46, 0.44, 0.39, 0.31,
];

/// The OAP publication's age bands (`docs/methods/oap.md`) used on placements and admissions.
pub const AGE_BANDS: [&str; 11] = [
    "0-17", "18-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65+",
];

/// The OAP age band of an age in years.
pub(crate) fn age_band(age: i32) -> &'static str {
    match age {
        ..=17 => AGE_BANDS[0],
        18..=24 => AGE_BANDS[1],
        65.. => AGE_BANDS[10],
        _ => AGE_BANDS[((age - 25) / 5 + 2) as usize],
    }
}

/// NHS ethnic category codes (A White British … Z not stated) and their shares among
/// people admitted (Black groups over-represented, as in MHSDS).
pub(crate) const ETHNICITY: [&str; 17] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z",
];
pub(crate) const ETHNICITY_WEIGHT: [f64; 17] = [
    72.0, 1.0, 6.0, 1.2, 0.8, 0.6, 0.8, 1.5, 0.6, 0.3, 1.2, 1.2, 3.5, 0.8, 0.3, 1.5, 5.0,
];

/// Person stated gender codes: 1 male, 2 female, 9 indeterminate.
pub(crate) const SEX: [&str; 3] = ["1", "2", "9"];
