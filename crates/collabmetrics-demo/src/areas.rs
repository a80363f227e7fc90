//! Home areas (LSOA-like), their population by age band and sex, and the units' table.

use crate::build::{write_area_code, Columns};
use crate::geo::{offset, wgs84_to_bng};
use crate::places::{
    AGE_SHARE, ESP_AGE_BANDS, MALE_SHARE, PLACES, PLACE_POPULATION, SEX, TOWNS, UNITS,
};
use crate::rng::{Draws, Rng};
use arrow_array::RecordBatch;

/// Areas per place-population at scale 1: 300 areas of about 6 300 people.
const AREAS_AT_SCALE_1: f64 = 300.0;

/// Every area, as parallel columns (row `i` is area `E01DEMO{i+1}`).
pub(crate) struct Areas {
    pub place: Vec<u8>,
    pub imd: Vec<u8>,
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    pub east: Vec<f64>,
    pub north: Vec<f64>,
    pub population: Vec<i64>,
    /// People per area, ESP band and sex (males then females): `[area][band][sex]`.
    pub cells: Vec<i64>,
}

/// A location in both coordinate systems, rounded as published (1e-6°, 1 m).
pub(crate) fn both(lat: f64, lon: f64) -> (f64, f64, f64, f64) {
    let round = |x: f64, k: f64| (x * k).round() / k;
    let (lat, lon) = (round(lat, 1e6), round(lon, 1e6));
    let (e, n) = wgs84_to_bng(lat, lon);
    (lat, lon, e.round(), n.round())
}

/// Number of areas in each place: `total` split by population, largest remainder, ≥ 1 each.
fn areas_per_place(total: usize) -> [usize; 4] {
    let all: f64 = PLACE_POPULATION.iter().sum();
    let exact: Vec<f64> = PLACE_POPULATION
        .iter()
        .map(|p| p / all * total as f64)
        .collect();
    let mut n = [0usize; 4];
    for (k, e) in exact.iter().enumerate() {
        n[k] = (e.floor() as usize).max(1);
    }
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut k = 0;
    while n.iter().sum::<usize>() < total {
        n[order[k % 4]] += 1;
        k += 1;
    }
    n
}

impl Areas {
    pub fn generate(rng: &mut Rng, scale: f64) -> Areas {
        let total = (AREAS_AT_SCALE_1 * scale).round().max(4.0) as usize;
        let per_place = areas_per_place(total);
        let n: usize = per_place.iter().sum();
        let mut a = Areas {
            place: Vec::with_capacity(n),
            imd: Vec::with_capacity(n),
            lat: Vec::with_capacity(n),
            lon: Vec::with_capacity(n),
            east: Vec::with_capacity(n),
            north: Vec::with_capacity(n),
            population: Vec::with_capacity(n),
            cells: Vec::with_capacity(n * ESP_AGE_BANDS.len() * 2),
        };
        let age_total: f64 = AGE_SHARE.iter().sum();
        for (place, &count) in per_place.iter().enumerate() {
            let towns: Vec<usize> = (0..TOWNS.len())
                .filter(|&t| TOWNS[t].place == place)
                .collect();
            let weights: Vec<f64> = towns.iter().map(|&t| TOWNS[t].weight).collect();
            let mean_size = PLACE_POPULATION[place] * scale / count as f64;
            for _ in 0..count {
                let town = &TOWNS[towns[rng.choice(&weights)]];
                let (dx, dy) = (rng.normal(), rng.normal());
                let (lat, lon) =
                    offset(town.lat, town.lon, dx * town.spread_km, dy * town.spread_km);
                let (lat, lon, e, n) = both(lat, lon);
                let imd = (town.imd + 1.8 * rng.normal()).round().clamp(1.0, 10.0) as u8;
                a.place.push(place as u8);
                a.imd.push(imd);
                a.lat.push(lat);
                a.lon.push(lon);
                a.east.push(e);
                a.north.push(n);
                let size = mean_size * rng.lognormal(1.0, 0.18);
                let mut sum = 0;
                for band in 0..ESP_AGE_BANDS.len() {
                    let in_band = size * AGE_SHARE[band] / age_total;
                    for male in [true, false] {
                        let share = if male {
                            MALE_SHARE[band]
                        } else {
                            1.0 - MALE_SHARE[band]
                        };
                        let noise = (1.0 + 0.08 * rng.normal()).max(0.5);
                        let people = (in_band * share * noise).round() as i64;
                        a.cells.push(people);
                        sum += people;
                    }
                }
                a.population.push(sum);
            }
        }
        a
    }

    pub fn len(&self) -> usize {
        self.place.len()
    }

    /// People aged 20 and over in area `i` (the population adult admissions come from).
    pub fn adults(&self, i: usize) -> f64 {
        let per_area = ESP_AGE_BANDS.len() * 2;
        self.cells[i * per_area + 8..(i + 1) * per_area]
            .iter()
            .sum::<i64>() as f64
    }

    pub fn table(&self, seed: u64) -> RecordBatch {
        let mut c = Columns::default();
        c.formatted("area_code", self.len(), write_area_code);
        c.text("place", self.place.iter().map(|&p| PLACES[p as usize]));
        c.int(
            "imd_decile",
            self.imd.iter().map(|&d| i64::from(d)).collect(),
        );
        c.number("lat", self.lat.clone());
        c.number("lon", self.lon.clone());
        c.number("easting", self.east.clone());
        c.number("northing", self.north.clone());
        c.int("population", self.population.clone());
        c.finish(seed)
    }

    /// One row per area × ESP age band × sex.
    pub fn population_table(&self, seed: u64) -> RecordBatch {
        let per_area = ESP_AGE_BANDS.len() * 2;
        let rows = self.len() * per_area;
        let area = |row: usize| row / per_area;
        let mut c = Columns::default();
        c.formatted("area_code", rows, |b, row| write_area_code(b, area(row)));
        c.text(
            "place",
            (0..rows).map(|r| PLACES[self.place[area(r)] as usize]),
        );
        c.int(
            "imd_decile",
            (0..rows).map(|r| i64::from(self.imd[area(r)])).collect(),
        );
        c.text(
            "age_band",
            (0..rows).map(|r| ESP_AGE_BANDS[(r % per_area) / 2]),
        );
        c.text("sex", (0..rows).map(|r| SEX[r % 2]));
        c.int("population", self.cells.clone());
        c.finish(seed)
    }
}

/// The units' coordinates in both systems.
pub(crate) struct Units {
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    pub east: Vec<f64>,
    pub north: Vec<f64>,
}

impl Units {
    pub fn new() -> Units {
        let mut u = Units {
            lat: Vec::new(),
            lon: Vec::new(),
            east: Vec::new(),
            north: Vec::new(),
        };
        for def in &UNITS {
            let (lat, lon, e, n) = both(def.lat, def.lon);
            u.lat.push(lat);
            u.lon.push(lon);
            u.east.push(e);
            u.north.push(n);
        }
        u
    }

    pub fn table(&self, seed: u64) -> RecordBatch {
        // Bed-type lists by bit mask (pre-April-2024 codes).
        const BEDS: [&str; 8] = ["", "10", "11", "10,11", "12", "10,12", "11,12", "10,11,12"];
        let mut c = Columns::default();
        c.text("site_code", UNITS.iter().map(|u| u.site));
        c.text("org_code", UNITS.iter().map(|u| u.org));
        c.text("name", UNITS.iter().map(|u| u.name));
        c.text("sector", UNITS.iter().map(|u| u.sector));
        c.boolean("local", UNITS.iter().map(|u| u.local).collect());
        c.number("lat", self.lat.clone());
        c.number("lon", self.lon.clone());
        c.number("easting", self.east.clone());
        c.number("northing", self.north.clone());
        c.text("bed_types", UNITS.iter().map(|u| BEDS[u.beds as usize]));
        c.finish(seed)
    }
}
