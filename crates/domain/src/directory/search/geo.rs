//! Great-circle distances without trigonometry per office.
//!
//! Each office is stored as a unit vector. The straight-line (chord) length `c`
//! between two unit vectors gives the great-circle distance
//! `2 R asin(c / 2)` — the haversine formula, since `hav(θ) = (c / 2)²` — and is
//! monotone in it, so filtering and sorting compare squared chords (three
//! subtractions and multiplications) and only the shown distances use `asin`.

/// Mean Earth radius (IUGG), in km.
pub(super) const EARTH_RADIUS_KM: f64 = 6371.0088;

pub(super) type Unit = [f64; 3];

pub(super) fn valid_origin((lat, lon): (f64, f64)) -> bool {
    lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

pub(super) fn unit(lat: f64, lon: f64) -> Unit {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

#[inline]
pub(super) fn chord2(a: &Unit, b: &Unit) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

/// The squared chord of a great-circle distance.
pub(super) fn chord2_for_km(km: f64) -> f64 {
    let half_angle = (km / EARTH_RADIUS_KM / 2.0).min(std::f64::consts::FRAC_PI_2);
    let chord = 2.0 * half_angle.sin();
    chord * chord
}

/// The great-circle distance of a squared chord.
pub(super) fn km_for_chord2(chord2: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord2.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

/// Straight-line distance in km; used for the distance points of the score
/// because it needs only `sqrt`, which every platform rounds the same way.
pub(super) fn chord_km(chord2: f64) -> f64 {
    chord2.max(0.0).sqrt() * EARTH_RADIUS_KM
}

/// Height of one row of the office grid, in degrees of latitude.
const ROW_DEGREES: f64 = 0.25;
const ROWS: usize = (180.0 / ROW_DEGREES) as usize;

fn row_of(lat: f64) -> usize {
    (((lat + 90.0) / ROW_DEGREES) as usize).min(ROWS - 1)
}

/// Offices in rows of latitude, each row sorted by longitude: a radius query
/// visits the rows its circle crosses and, in each, the longitudes it spans.
#[derive(Debug, Clone)]
pub(super) struct OfficeGrid {
    /// Offices of row `r` are at `row_start[r]..row_start[r + 1]`.
    row_start: Vec<u32>,
    lons: Vec<f64>,
    units: Vec<Unit>,
    profiles: Vec<u32>,
}

impl OfficeGrid {
    /// `offices`: (latitude, longitude, profile index); coordinates valid.
    pub(super) fn new(mut offices: Vec<(f64, f64, u32)>) -> Self {
        offices.sort_by(|a, b| row_of(a.0).cmp(&row_of(b.0)).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut row_start = vec![0u32; ROWS + 1];
        for office in &offices {
            row_start[row_of(office.0) + 1] += 1;
        }
        for r in 0..ROWS {
            row_start[r + 1] += row_start[r];
        }
        Self {
            row_start,
            lons: offices.iter().map(|o| o.1).collect(),
            units: offices.iter().map(|o| unit(o.0, o.1)).collect(),
            profiles: offices.iter().map(|o| o.2).collect(),
        }
    }

    /// Calls `f(profile)` for every office within `radius_km` of `origin`
    /// (a profile with several such offices, several times).
    pub(super) fn within(&self, origin: (f64, f64), radius_km: f64, mut f: impl FnMut(u32)) {
        let (lat, lon) = origin;
        let centre = unit(lat, lon);
        let limit = chord2_for_km(radius_km);
        let angle = radius_km / EARTH_RADIUS_KM;
        // Margins a hair wider than exact, so rounding never drops an office on the edge.
        let dlat = angle.to_degrees() + 1e-6;
        // The widest longitude a spherical cap spans; all of them when it covers a pole.
        let spans_pole = lat.abs() + dlat >= 90.0;
        let dlon = if spans_pole { 360.0 } else { (angle.sin() / lat.to_radians().cos()).asin().to_degrees() + 1e-6 };
        let mut scan = |row: usize, west: f64, east: f64| {
            let (start, end) = (self.row_start[row] as usize, self.row_start[row + 1] as usize);
            let lons = &self.lons[start..end];
            let from = start + lons.partition_point(|&l| l < west);
            let to = start + lons.partition_point(|&l| l <= east);
            for i in from..to.max(from) {
                if chord2(&self.units[i], &centre) <= limit {
                    f(self.profiles[i]);
                }
            }
        };
        for row in row_of((lat - dlat).max(-90.0))..=row_of((lat + dlat).min(90.0)) {
            if dlon >= 180.0 {
                scan(row, -180.0, 180.0);
            } else {
                let (west, east) = (lon - dlon, lon + dlon);
                scan(row, west.max(-180.0), east.min(180.0));
                // Across the antimeridian.
                if west < -180.0 {
                    scan(row, west + 360.0, 180.0);
                }
                if east > 180.0 {
                    scan(row, -180.0, east - 360.0);
                }
            }
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.row_start.capacity() * 4
            + self.lons.capacity() * 8
            + self.units.capacity() * 24
            + self.profiles.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
        let dlat = la2 - la1;
        let dlon = (b.1 - a.1).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
    }

    #[test]
    fn chord_distance_equals_haversine() {
        let manhattan = (40.7580, -73.9855);
        let boston = (42.3601, -71.0589);
        let brooklyn = (40.6782, -73.9442);
        for other in [boston, brooklyn, (-33.8688, 151.2093)] {
            let got = km_for_chord2(chord2(&unit(manhattan.0, manhattan.1), &unit(other.0, other.1)));
            assert!((got - haversine_km(manhattan, other)).abs() < 1e-6, "{got}");
        }
        let to_boston = km_for_chord2(chord2(&unit(manhattan.0, manhattan.1), &unit(boston.0, boston.1)));
        assert!((to_boston - 302.0).abs() < 3.0, "Times Square–Boston is about 302 km, got {to_boston}");
        assert!((km_for_chord2(chord2_for_km(25.0)) - 25.0).abs() < 1e-9);
    }

    fn found(grid: &OfficeGrid, origin: (f64, f64), km: f64) -> Vec<u32> {
        let mut found = Vec::new();
        grid.within(origin, km, |p| found.push(p));
        found.sort_unstable();
        found
    }

    #[test]
    fn grid_finds_exactly_the_offices_within_the_radius() {
        let grid = OfficeGrid::new(vec![
            (40.6782, -73.9442, 0), // Brooklyn, ~9 km from Midtown
            (42.3601, -71.0589, 1), // Boston
            (40.7580, -73.9855, 2), // Midtown
        ]);
        let midtown = (40.7580, -73.9855);
        assert_eq!(found(&grid, midtown, 10.0), vec![0, 2]);
        assert_eq!(found(&grid, midtown, 5.0), vec![2]);
        assert_eq!(found(&grid, midtown, 310.0), vec![0, 1, 2]);
    }

    #[test]
    fn grid_matches_a_brute_force_scan_everywhere_on_the_globe() {
        // Points on a coarse lattice, including near the poles and the antimeridian.
        let mut offices = Vec::new();
        for a in 0..60 {
            for b in 0..60 {
                let lat = -89.9 + f64::from(a) * 179.8 / 59.0;
                let lon = -180.0 + f64::from(b) * 6.0 + f64::from(a % 7) * 0.37;
                offices.push((lat, lon.min(180.0), offices.len() as u32));
            }
        }
        let grid = OfficeGrid::new(offices.clone());
        for &origin in &[(0.0, 179.9), (0.0, -179.9), (89.5, 10.0), (-88.0, -120.0), (40.7, -74.0), (12.3, 45.6)] {
            for km in [50.0, 300.0, 500.0] {
                let c = unit(origin.0, origin.1);
                let expected: Vec<u32> = offices
                    .iter()
                    .filter(|o| km_for_chord2(chord2(&unit(o.0, o.1), &c)) <= km - 1e-6)
                    .map(|o| o.2)
                    .collect();
                let got = found(&grid, origin, km);
                assert!(expected.iter().all(|p| got.contains(p)), "{origin:?} {km}");
                assert!(got.len() <= expected.len() + 2, "{origin:?} {km}");
            }
        }
    }
}
