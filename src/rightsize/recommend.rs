//! The recommender: measured use of one container group in, a request and how sure we are out.
//!
//! CPU: the `cpuPercentile` of the usage rate, plus `cpuMargin` percent. Memory: the peak working
//! set, plus `memoryMargin` percent; after an OOM kill the base is at least the memory the killed
//! container had, bumped by `oomBump` percent and at least `oomMinBump` (the VPA's rule). Both are
//! raised to the floors and rounded up to readable steps ([`super::quantity`]). Nothing is
//! recommended without `minSamples` samples, nor for a task without `minRuns` runs.

use serde::Serialize;

use super::quantity::{self, BYTES_PER_MI};
use super::settings::Settings;

/// What Prometheus measured for one container group over the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// One-minute samples while a container of the group ran.
    pub samples: u64,
    /// Worker pods seen (tasks only).
    pub runs: Option<u64>,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// The percentile the recommendation uses (`cpuPercentile`; equals `p95` by default).
    pub target: f64,
    /// Maximum.
    pub max: f64,
    /// Containers OOM-killed in the window.
    pub oom_kills: u64,
    /// The most memory (bytes) an OOM-killed container had been given, when known.
    pub oom_memory: Option<f64>,
}

/// How far to trust a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Not enough data: nothing is recommended.
    None,
    /// The minimum data, not twice as much.
    Low,
    /// At least twice the minimum samples and runs.
    High,
}

/// A recommendation: millicores for CPU, Mi for memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    /// The request to set, when there is enough data.
    pub amount: Option<u64>,
    /// How far to trust it.
    pub confidence: Confidence,
    /// Why this amount, or why none.
    pub reason: String,
}

/// The CPU request for `usage` (rates in cores), in millicores.
pub fn cpu(usage: &Usage, s: &Settings) -> Advice {
    if let Some(refused) = enough(usage, s) {
        return refused;
    }
    let floor = quantity::millicores(&s.min_cpu).unwrap_or(25.0);
    let raw = usage.target * 1000.0 * (1.0 + s.cpu_margin / 100.0);
    let amount = quantity::round_cpu(raw.max(floor));
    let mut reason = format!(
        "p{} {} + {}%",
        s.cpu_percentile,
        quantity::cores_text(usage.target),
        s.cpu_margin
    );
    if raw < floor {
        reason.push_str(&format!(", raised to the floor {}", s.min_cpu));
    }
    Advice {
        amount: Some(amount),
        confidence: confidence(usage, s),
        reason,
    }
}

/// The memory request for `usage` (bytes), in Mi.
pub fn memory(usage: &Usage, s: &Settings) -> Advice {
    if let Some(refused) = enough(usage, s) {
        return refused;
    }
    let floor = quantity::bytes(&s.min_memory).unwrap_or(250.0 * BYTES_PER_MI);
    let mut base = usage.max;
    let mut reason = format!("peak {}", quantity::bytes_text(usage.max));
    if usage.oom_kills > 0 {
        let had = usage.oom_memory.unwrap_or(usage.max).max(usage.max);
        let min_bump = quantity::bytes(&s.oom_min_bump).unwrap_or(100.0 * BYTES_PER_MI);
        base = (had * (1.0 + s.oom_bump / 100.0)).max(had + min_bump);
        reason = format!(
            "OOM-killed {} time{} with {}: +{}% (at least +{})",
            usage.oom_kills,
            if usage.oom_kills == 1 { "" } else { "s" },
            quantity::bytes_text(had),
            s.oom_bump,
            s.oom_min_bump
        );
    }
    let raw = base * (1.0 + s.memory_margin / 100.0);
    reason.push_str(&format!(" + {}%", s.memory_margin));
    if raw < floor {
        reason.push_str(&format!(", raised to the floor {}", s.min_memory));
    }
    Advice {
        amount: Some(quantity::round_memory(raw.max(floor))),
        confidence: confidence(usage, s),
        reason,
    }
}

/// Whether moving from `current` to `recommended` is a change worth proposing: at least
/// `minChange` percent of the current request. Without a current request it always is.
pub fn worth_changing(current: Option<f64>, recommended: f64, s: &Settings) -> bool {
    match current {
        Some(c) if c > 0.0 => (recommended - c).abs() / c * 100.0 >= s.min_change,
        _ => true,
    }
}

/// The refusal when `usage` has too few samples or runs.
fn enough(usage: &Usage, s: &Settings) -> Option<Advice> {
    let none = |reason: String| Advice {
        amount: None,
        confidence: Confidence::None,
        reason,
    };
    if let Some(runs) = usage.runs
        && runs < u64::from(s.min_runs)
    {
        return Some(none(format!(
            "ran {runs} time{} in the window; needs {} runs",
            if runs == 1 { "" } else { "s" },
            s.min_runs
        )));
    }
    if usage.samples < u64::from(s.min_samples) {
        return Some(none(format!(
            "{} samples in the window; needs {}",
            usage.samples, s.min_samples
        )));
    }
    None
}

fn confidence(usage: &Usage, s: &Settings) -> Confidence {
    let samples = usage.samples >= 2 * u64::from(s.min_samples);
    let runs = usage.runs.is_none_or(|r| r >= 2 * u64::from(s.min_runs));
    if samples && runs {
        Confidence::High
    } else {
        Confidence::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: f64 = BYTES_PER_MI;

    fn used(target: f64, max: f64) -> Usage {
        Usage {
            samples: 1000,
            runs: None,
            p50: target / 2.0,
            p95: target,
            target,
            max,
            oom_kills: 0,
            oom_memory: None,
        }
    }

    #[test]
    fn cpu_is_the_percentile_plus_margin_rounded_up() {
        let s = Settings::default();
        // 0.2 cores × 1.15 = 230m → 250m.
        let a = cpu(&used(0.2, 0.3), &s);
        assert_eq!(a.amount, Some(250));
        assert_eq!(a.confidence, Confidence::High);
        assert_eq!(a.reason, "p95 200m + 15%");
        // 1.0 core × 1.15 = 1150m → 1200m.
        assert_eq!(cpu(&used(1.0, 1.0), &s).amount, Some(1200));
        // 4 millicores × 1.15 is under the 25m floor.
        let idle = cpu(&used(0.004, 0.01), &s);
        assert_eq!(idle.amount, Some(25));
        assert!(
            idle.reason.ends_with("raised to the floor 25m"),
            "{}",
            idle.reason
        );
    }

    #[test]
    fn memory_is_the_peak_plus_margin_rounded_up() {
        let s = Settings::default();
        // 600Mi × 1.15 = 690Mi → 704Mi.
        assert_eq!(memory(&used(0.1, 600.0 * MI), &s).amount, Some(704));
        // 100Mi × 1.15 = 115Mi, under the 250Mi floor → 256Mi.
        assert_eq!(memory(&used(0.1, 100.0 * MI), &s).amount, Some(256));
        // 3Gi × 1.15 = 3532.8Mi → 3584Mi.
        assert_eq!(memory(&used(0.1, 3072.0 * MI), &s).amount, Some(3584));
    }

    #[test]
    fn an_oom_kill_bumps_from_what_the_container_had() {
        let s = Settings::default();
        let mut u = used(0.1, 1000.0 * MI);
        u.oom_kills = 2;
        u.oom_memory = Some(1024.0 * MI);
        // max(1Gi × 1.2, 1Gi + 100Mi) = 1228.8Mi; × 1.15 = 1413.12Mi → 1536Mi.
        let a = memory(&u, &s);
        assert_eq!(a.amount, Some(1536));
        assert!(
            a.reason.starts_with("OOM-killed 2 times with 1.00Gi"),
            "{}",
            a.reason
        );
        // A small container: the 100Mi minimum bump wins. max(300×1.2, 300+100) = 400Mi;
        // × 1.15 = 460Mi → 512Mi.
        let mut small = used(0.1, 280.0 * MI);
        small.oom_kills = 1;
        small.oom_memory = Some(300.0 * MI);
        assert_eq!(memory(&small, &s).amount, Some(512));
    }

    #[test]
    fn too_little_data_gets_no_recommendation_and_says_why() {
        let s = Settings::default();
        let mut twice = used(0.5, 500.0 * MI);
        twice.runs = Some(2);
        let a = cpu(&twice, &s);
        assert_eq!(a.amount, None);
        assert_eq!(a.confidence, Confidence::None);
        assert_eq!(a.reason, "ran 2 times in the window; needs 5 runs");
        let mut short = used(0.5, 500.0 * MI);
        short.samples = 40;
        assert_eq!(
            memory(&short, &s).reason,
            "40 samples in the window; needs 100"
        );
        // Enough, but not twice the minimum: low confidence.
        let mut some = used(0.5, 500.0 * MI);
        some.runs = Some(6);
        some.samples = 150;
        assert_eq!(cpu(&some, &s).confidence, Confidence::Low);
    }

    #[test]
    fn small_changes_are_not_proposed() {
        let s = Settings::default();
        assert!(!worth_changing(Some(1000.0), 1050.0, &s));
        assert!(worth_changing(Some(1000.0), 1100.0, &s));
        assert!(worth_changing(Some(1000.0), 250.0, &s));
        assert!(worth_changing(None, 250.0, &s));
    }
}
