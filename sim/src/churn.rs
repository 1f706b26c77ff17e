//! Session lengths of peers that go online and offline, and their lifetimes.
//!
//! Each session kind is drawn from its own distribution by inverse transform from the
//! peer's stream. Scales come from the mean or the median the scenario gives, through
//! the distribution's closed forms.
//!
//! Limitations: a peer starts online with probability equal to the long-run
//! availability, and its first session is a fresh draw rather than the residual of a
//! session in progress. For exponential sessions the two agree; for the others the
//! first session is biased short or long until the peer has flipped a few times.

use crate::scenario::{Churn, SessionDistribution};
use crate::streams::{self, Stream};
use crate::time::SimDuration;

/// One session kind's distribution, with its scale resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Session {
    Exponential { mean_s: f64 },
    Weibull { shape: f64, scale_s: f64 },
    Pareto { shape: f64, minimum_s: f64 },
    Lognormal { mu: f64, sigma: f64 },
}

impl Session {
    /// Resolves the scale from a mean or a median, whichever is given.
    fn new(
        distribution: SessionDistribution,
        mean: Option<f64>,
        median: Option<f64>,
        shape: f64,
    ) -> Self {
        let ln2 = std::f64::consts::LN_2;
        match (distribution, mean, median) {
            (SessionDistribution::Exponential, Some(mean), _) => Self::Exponential { mean_s: mean },
            (SessionDistribution::Exponential, None, Some(median)) => Self::Exponential {
                mean_s: median / ln2,
            },
            (SessionDistribution::Weibull, Some(mean), _) => Self::Weibull {
                shape,
                scale_s: mean / gamma(1.0 + 1.0 / shape),
            },
            (SessionDistribution::Weibull, None, Some(median)) => Self::Weibull {
                shape,
                scale_s: median / ln2.powf(1.0 / shape),
            },
            (SessionDistribution::Pareto, Some(mean), _) => Self::Pareto {
                shape,
                minimum_s: mean * (shape - 1.0) / shape,
            },
            (SessionDistribution::Pareto, None, Some(median)) => Self::Pareto {
                shape,
                minimum_s: median / 2f64.powf(1.0 / shape),
            },
            (SessionDistribution::Lognormal, Some(mean), _) => Self::Lognormal {
                mu: mean.ln() - shape * shape / 2.0,
                sigma: shape,
            },
            (SessionDistribution::Lognormal, None, Some(median)) => Self::Lognormal {
                mu: median.ln(),
                sigma: shape,
            },
            (_, None, None) => unreachable!("validation requires a mean or a median"),
        }
    }

    fn mean_s(&self) -> f64 {
        match *self {
            Self::Exponential { mean_s } => mean_s,
            Self::Weibull { shape, scale_s } => scale_s * gamma(1.0 + 1.0 / shape),
            Self::Pareto { shape, minimum_s } => shape * minimum_s / (shape - 1.0),
            Self::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }

    fn draw_s(&self, rng: &mut Stream) -> f64 {
        let u = streams::open_unit(rng);
        match *self {
            Self::Exponential { mean_s } => -mean_s * u.ln(),
            Self::Weibull { shape, scale_s } => scale_s * (-u.ln()).powf(1.0 / shape),
            Self::Pareto { shape, minimum_s } => minimum_s * u.powf(-1.0 / shape),
            Self::Lognormal { mu, sigma } => {
                // Box-Muller turns two uniforms into one standard normal draw.
                let v = streams::open_unit(rng);
                let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
                (mu + sigma * normal).exp()
            }
        }
    }
}

/// Draws online and offline session lengths and lifetimes for one peer group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionModel {
    online: Session,
    offline: Session,
    lifetime_s: Option<f64>,
}

impl SessionModel {
    /// Builds the model a validated churn table describes.
    pub fn new(churn: &Churn) -> Self {
        let seconds = |duration: Option<SimDuration>| duration.map(SimDuration::as_secs_f64);
        let shape = churn.shape.unwrap_or(1.0);
        Self {
            online: Session::new(
                churn.distribution,
                seconds(churn.mean_online),
                seconds(churn.median_online),
                shape,
            ),
            offline: Session::new(
                churn.distribution,
                seconds(churn.mean_offline),
                seconds(churn.median_offline),
                shape,
            ),
            lifetime_s: seconds(churn.lifetime),
        }
    }

    /// Long-run fraction of time online: mean online session over mean cycle.
    pub fn availability(&self) -> f64 {
        let online = self.online.mean_s();
        online / (online + self.offline.mean_s())
    }

    /// Mean length of one online and one offline session, in seconds.
    pub fn mean_cycle_s(&self) -> f64 {
        self.online.mean_s() + self.offline.mean_s()
    }

    /// Length of the session that starts now, online or offline.
    ///
    /// A session is never shorter than one microsecond, so a peer cannot flip twice at
    /// one instant.
    pub fn draw(&self, online: bool, rng: &mut Stream) -> SimDuration {
        let session = if online { &self.online } else { &self.offline };
        SimDuration(SimDuration::from_secs_f64(session.draw_s(rng)).0.max(1))
    }

    /// Time until the peer leaves for good, if peers of this group leave.
    pub fn draw_lifetime(&self, rng: &mut Stream) -> Option<SimDuration> {
        let mean_s = self.lifetime_s?;
        Some(SimDuration::from_secs_f64(
            -mean_s * streams::open_unit(rng).ln(),
        ))
    }
}

/// The gamma function by the Lanczos approximation (g = 7, nine coefficients), accurate
/// to about 15 significant digits for the positive arguments used here.
pub fn gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x));
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let series = COEFFICIENTS[1..]
        .iter()
        .enumerate()
        .fold(COEFFICIENTS[0], |sum, (i, c)| {
            sum + c / (x + i as f64 + 1.0)
        });
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn churn(distribution: SessionDistribution, shape: Option<f64>) -> Churn {
        Churn {
            distribution,
            mean_online: Some(SimDuration::from_hours(8)),
            median_online: None,
            mean_offline: None,
            median_offline: Some(SimDuration::from_hours(2)),
            shape,
            lifetime: None,
        }
    }

    /// Sample mean and median of `draws` online sessions, in hours.
    fn sample(model: &SessionModel, draws: usize, online: bool) -> (f64, f64) {
        let mut rng = streams::stream(3, "churn-test");
        let mut hours: Vec<f64> = (0..draws)
            .map(|_| model.draw(online, &mut rng).as_secs_f64() / 3600.0)
            .collect();
        hours.sort_by(f64::total_cmp);
        (hours.iter().sum::<f64>() / draws as f64, hours[draws / 2])
    }

    #[test]
    fn gamma_known_values() {
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
        assert!((gamma(1.5) - 0.886_226_925_452_758).abs() < 1e-12);
    }

    #[test]
    fn every_distribution_has_its_mean_and_median() {
        let cases = [
            (SessionDistribution::Exponential, None),
            (SessionDistribution::Weibull, Some(0.7)),
            (SessionDistribution::Pareto, Some(3.5)),
            (SessionDistribution::Lognormal, Some(0.8)),
        ];
        let draws = 200_000;
        for (distribution, shape) in cases {
            let model = SessionModel::new(&churn(distribution, shape));
            let (mean_online, _) = sample(&model, draws, true);
            let (_, median_offline) = sample(&model, draws, false);
            // Five percent bounds a sample mean of 200,000 draws for these shapes (the
            // Pareto's variance is the largest, with a standard error near 0.5%).
            assert!(
                (mean_online / 8.0 - 1.0).abs() < 0.05,
                "{distribution:?} mean {mean_online}"
            );
            assert!(
                (median_offline / 2.0 - 1.0).abs() < 0.02,
                "{distribution:?} median {median_offline}"
            );
        }
    }

    #[test]
    fn availability_uses_means() {
        let model = SessionModel::new(&churn(SessionDistribution::Exponential, None));
        let mean_offline = 2.0 / std::f64::consts::LN_2;
        assert!((model.availability() - 8.0 / (8.0 + mean_offline)).abs() < 1e-12);
    }

    #[test]
    fn lifetimes_are_exponential() {
        let mut with_lifetime = churn(SessionDistribution::Exponential, None);
        with_lifetime.lifetime = Some(SimDuration::from_hours(100));
        let model = SessionModel::new(&with_lifetime);
        let mut rng = streams::stream(4, "lifetime-test");
        let draws = 100_000;
        let mean_h = (0..draws)
            .map(|_| {
                model
                    .draw_lifetime(&mut rng)
                    .expect("has a lifetime")
                    .as_secs_f64()
                    / 3600.0
            })
            .sum::<f64>()
            / draws as f64;
        assert!(
            (mean_h / 100.0 - 1.0).abs() < 0.02,
            "mean lifetime {mean_h} h"
        );
        let without = SessionModel::new(&churn(SessionDistribution::Exponential, None));
        assert_eq!(without.draw_lifetime(&mut rng), None);
    }
}
