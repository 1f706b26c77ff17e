//! Session lengths of peers that go online and offline.

use crate::scenario::{Churn, SessionDistribution};
use crate::streams::{self, Stream};
use crate::time::SimDuration;

/// Draws online and offline session lengths for one peer group.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionModel {
    distribution: SessionDistribution,
    mean_online_s: f64,
    mean_offline_s: f64,
}

impl SessionModel {
    /// Builds the model a scenario's churn table describes.
    pub fn new(churn: &Churn) -> Self {
        Self {
            distribution: churn.distribution,
            mean_online_s: churn.mean_online.as_secs_f64(),
            mean_offline_s: churn.mean_offline.as_secs_f64(),
        }
    }

    /// Long-run fraction of time online.
    pub fn availability(&self) -> f64 {
        self.mean_online_s / (self.mean_online_s + self.mean_offline_s)
    }

    /// Length of the session that starts now, online or offline.
    ///
    /// A session is never shorter than one microsecond, so a peer cannot flip twice at
    /// one instant.
    pub fn draw(&self, online: bool, rng: &mut Stream) -> SimDuration {
        let mean_s = if online {
            self.mean_online_s
        } else {
            self.mean_offline_s
        };
        let seconds = match self.distribution {
            // Inverse transform: -mean * ln(U) is exponential with that mean.
            SessionDistribution::Exponential => -mean_s * streams::open_unit(rng).ln(),
        };
        SimDuration(SimDuration::from_secs_f64(seconds).0.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_sessions_have_their_means() {
        let churn = Churn {
            distribution: SessionDistribution::Exponential,
            mean_online: SimDuration::from_hours(8),
            mean_offline: SimDuration::from_hours(2),
        };
        let model = SessionModel::new(&churn);
        let mut rng = streams::stream(3, "churn-test");
        let draws = 200_000;
        let mean_online_h = (0..draws)
            .map(|_| model.draw(true, &mut rng).as_secs_f64() / 3600.0)
            .sum::<f64>()
            / draws as f64;

        // The sample mean of exponential draws has standard error mean / sqrt(draws),
        // here 8 / 447 = 0.018 hours; five standard errors bound a correct model.
        let tolerance_h = 5.0 * 8.0 / (draws as f64).sqrt();
        assert!(
            (mean_online_h - 8.0).abs() < tolerance_h,
            "mean {mean_online_h} h"
        );
        assert!((model.availability() - 0.8).abs() < 1e-12);
    }
}
