//! CPU and memory amounts as numbers: read from Kubernetes quantities, rounded up to amounts a
//! reviewer reads at a glance, and written back as quantities.

use crate::spec::Quantity;

const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;

/// A CPU quantity in millicores (`500m` → 500, `1.5` → 1500); `None` when it is no CPU amount.
pub fn millicores(q: &Quantity) -> Option<f64> {
    let text = q.to_string();
    let (digits, scale) = match text.strip_suffix('m') {
        Some(d) => (d, 1.0),
        None => (text.as_str(), 1000.0),
    };
    plain(digits).map(|n| n * scale)
}

/// A memory quantity in bytes (`512Mi`, `2Gi`, `1G`, `1.5Gi`); `None` without a known unit.
pub fn bytes(q: &Quantity) -> Option<f64> {
    const UNITS: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", MI),
        ("Gi", GI),
        ("Ti", GI * 1024.0),
        ("Pi", GI * 1024.0 * 1024.0),
        ("Ei", GI * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let text = q.to_string();
    let (unit, factor) = UNITS.iter().find(|(u, _)| text.ends_with(u))?;
    plain(&text[..text.len() - unit.len()]).map(|n| n * factor)
}

/// A plain non-negative decimal (`2`, `0.5`); no sign, exponent, `inf` or `nan`.
fn plain(digits: &str) -> Option<f64> {
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits != ".";
    ok.then(|| digits.parse().ok()).flatten()
}

/// Millicores rounded up to a readable step: 5m below 100m, 50m below one core, 100m below ten
/// cores, whole cores above.
pub fn round_cpu(millicores: f64) -> u64 {
    round_up_in_steps(
        up(millicores) as u64,
        &[(100, 5), (1000, 50), (10_000, 100)],
        1000,
    )
}

/// Bytes rounded up to a readable step: 16Mi below 256Mi, 64Mi below 1Gi, 256Mi below 8Gi,
/// whole Gi above. The result is in Mi.
pub fn round_memory(bytes: f64) -> u64 {
    round_up_in_steps(
        up(bytes / MI) as u64,
        &[(256, 16), (1024, 64), (8192, 256)],
        1024,
    )
}

/// `n` rounded up to the step of the first `(below, step)` band it falls in, or to `last`.
fn round_up_in_steps(n: u64, bands: &[(u64, u64)], last: u64) -> u64 {
    let step = bands
        .iter()
        .find(|(below, _)| n < *below)
        .map_or(last, |(_, step)| *step);
    n.div_ceil(step) * step
}

/// `x` rounded up to a whole number, at least 1. Float noise below a millionth (a rate of 2
/// cores read as 2.0000000001, times 1.15) does not push it to the next integer.
fn up(x: f64) -> f64 {
    (x - 1e-6).ceil().max(1.0)
}

/// Millicores as Kubernetes writes them: whole cores as a number, else `…m`.
pub fn cpu_text(millicores: u64) -> String {
    if millicores.is_multiple_of(1000) {
        (millicores / 1000).to_string()
    } else {
        format!("{millicores}m")
    }
}

/// Mi as Kubernetes writes them: whole Gi as `…Gi`, else `…Mi`.
pub fn memory_text(mi: u64) -> String {
    if mi.is_multiple_of(1024) {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

/// A measured CPU rate in cores, for people: `0.23` cores → `230m`, fractions of a millicore kept.
pub fn cores_text(cores: f64) -> String {
    let m = cores * 1000.0;
    if m >= 10.0 || m == 0.0 {
        format!("{}m", m.round())
    } else {
        format!("{m:.1}m")
    }
}

/// A measured memory amount in bytes, for people: `812.4Mi`, `1.3Gi`.
pub fn bytes_text(bytes: f64) -> String {
    if bytes >= GI {
        format!("{:.2}Gi", bytes / GI)
    } else {
        format!("{:.1}Mi", bytes / MI)
    }
}

/// Bytes in one Mi.
pub const BYTES_PER_MI: f64 = MI;

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Quantity {
        Quantity::Text(s.into())
    }

    #[test]
    fn reads_kubernetes_quantities() {
        assert_eq!(millicores(&t("500m")), Some(500.0));
        assert_eq!(millicores(&Quantity::Number(1.5)), Some(1500.0));
        assert_eq!(millicores(&t("-1")), None);
        assert_eq!(millicores(&t("1e3")), None);
        assert_eq!(bytes(&t("512Mi")), Some(512.0 * MI));
        assert_eq!(bytes(&t("1.5Gi")), Some(1.5 * GI));
        assert_eq!(bytes(&t("1G")), Some(1e9));
        assert_eq!(bytes(&t("512")), None);
    }

    #[test]
    fn rounds_up_to_readable_steps() {
        // (millicores in, millicores out)
        for (raw, want) in [
            (1.0, 5),
            (23.0, 25),
            (25.0, 25),
            (99.2, 100),
            (2_300.000_000_4, 2300),
            (230.0, 250),
            (1150.0, 1200),
            (9999.0, 10_000),
            (12_300.0, 13_000),
        ] {
            assert_eq!(round_cpu(raw), want, "{raw}m");
        }
        // (Mi in, Mi out)
        for (raw, want) in [
            (250.0, 256),
            (100.5, 112),
            (300.0, 320),
            (1024.0, 1024),
            (1100.0, 1280),
            (9000.0, 9216),
        ] {
            assert_eq!(round_memory(raw * MI), want, "{raw}Mi");
        }
    }

    #[test]
    fn writes_quantities() {
        assert_eq!(cpu_text(250), "250m");
        assert_eq!(cpu_text(2000), "2");
        assert_eq!(cpu_text(1200), "1200m");
        assert_eq!(memory_text(2048), "2Gi");
        assert_eq!(memory_text(1280), "1280Mi");
        assert_eq!(cores_text(0.23), "230m");
        assert_eq!(cores_text(0.0042), "4.2m");
        assert_eq!(bytes_text(812.0 * MI), "812.0Mi");
    }
}
