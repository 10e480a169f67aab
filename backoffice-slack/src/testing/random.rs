//! Random failures of Web API calls from a seeded generator, for fault runs.

use std::time::Duration;

use super::Fault;

/// Fails each Web API call with `probability`, choosing the fault uniformly
/// among `faults`.
///
/// The generator is seeded, so the sequence of draws repeats from run to run.
/// Which call meets which draw still depends on the order in which concurrent
/// calls reach the fake.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomFaults {
    state: u64,
    probability: f64,
    faults: Vec<Fault>,
}

impl RandomFaults {
    /// Fails each call with `probability` (0 to 1) with one of `faults`.
    ///
    /// # Panics
    ///
    /// Panics when `faults` is empty or `probability` is outside 0 to 1.
    #[track_caller]
    pub fn new(seed: u64, probability: f64, faults: Vec<Fault>) -> Self {
        assert!(!faults.is_empty(), "RandomFaults needs at least one fault");
        assert!(
            (0.0..=1.0).contains(&probability),
            "probability {probability} is outside 0 to 1"
        );
        Self {
            state: seed,
            probability,
            faults,
        }
    }

    /// Fails each call with `probability` with a mix of every kind of fault:
    /// `429` with `Retry-After` 0 or 1, `500`, `503`, a response `slow`er
    /// than the client's timeout, and a dropped connection.
    pub fn mixed(seed: u64, probability: f64, slow: Duration) -> Self {
        let faults = vec![
            Fault::RateLimited {
                retry_after_secs: 0,
            },
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            Fault::ServerError(500),
            Fault::ServerError(503),
            Fault::Slow(slow),
            Fault::Disconnect,
        ];
        Self::new(seed, probability, faults)
    }

    /// Draws the fault for the next call, or `None` when it succeeds.
    pub(super) fn draw(&mut self) -> Option<Fault> {
        let roll = self.next_unit();
        if roll >= self.probability {
            return None;
        }
        let index = (self.next_u64() % self.faults.len() as u64) as usize;
        Some(self.faults[index].clone())
    }

    /// Returns a number in `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Advances the SplitMix64 generator and returns its next output.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut first = RandomFaults::mixed(7, 0.5, Duration::from_secs(1));
        let mut second = RandomFaults::mixed(7, 0.5, Duration::from_secs(1));
        for _ in 0..100 {
            assert_eq!(first.draw(), second.draw());
        }
    }

    #[test]
    fn probability_bounds_share() {
        let mut never = RandomFaults::mixed(1, 0.0, Duration::from_secs(1));
        let mut always = RandomFaults::mixed(1, 1.0, Duration::from_secs(1));
        for _ in 0..100 {
            assert_eq!(never.draw(), None);
            assert!(always.draw().is_some());
        }
    }

    #[test]
    fn share_near_probability() {
        let mut faults = RandomFaults::mixed(42, 0.2, Duration::from_secs(1));
        let failed = (0..10_000).filter(|_| faults.draw().is_some()).count();
        assert!(
            (1_800..=2_200).contains(&failed),
            "{failed} of 10000 failed"
        );
    }
}
