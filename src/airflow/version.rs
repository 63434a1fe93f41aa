//! Airflow release numbers (`3.2.2`), parsed strictly and ordered numerically.

use std::fmt;

/// An Airflow release number, `MAJOR.MINOR.PATCH`; ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AirflowVersion {
    /// The major release (2 or 3 today).
    pub major: u32,
    /// The minor release.
    pub minor: u32,
    /// The patch release.
    pub patch: u32,
}

impl AirflowVersion {
    /// Parses `MAJOR.MINOR.PATCH` (surrounding spaces allowed). A release line such as `3.2`
    /// is an error, not `3.2.0`: the image's base tag and pip pin need one exact release.
    /// Pre-release tags and anything else are an error that says what was expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let parts: Vec<&str> = trimmed.split('.').collect();
        let expected = || {
            let hint = if parts.len() == 2 {
                " (a release, not a release line: the image and its pip pin need one exact release)"
            } else {
                ""
            };
            format!(
                "`{trimmed}` is not an Airflow version: expected MAJOR.MINOR.PATCH, e.g. 3.2.2{hint}"
            )
        };
        if parts.len() != 3 {
            return Err(expected());
        }
        let mut numbers = [0u32; 3];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(expected());
            }
            *slot = part.parse().map_err(|_| expected())?;
        }
        let [major, minor, patch] = numbers;
        Ok(Self {
            major,
            minor,
            patch,
        })
    }

    /// `MAJOR.MINOR`, for messages about a release line ("removed in 3.0").
    pub fn minor_line(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for AirflowVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl TryFrom<String> for AirflowVersion {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let v = AirflowVersion::parse(" 3.2.5 ").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (3, 2, 5));
        assert_eq!(v.to_string(), "3.2.5");
        let line = AirflowVersion::parse("3.1").unwrap_err();
        assert!(line.contains("not a release line"), "{line}");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "3",
            "3.",
            "3..1",
            "a.b.c",
            "3.1.0rc1",
            "3.1.2.4",
            "99999999999.1.1",
            "-3.1.1",
        ] {
            assert!(AirflowVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_numerically() {
        let v = |s| AirflowVersion::parse(s).unwrap();
        assert!(v("2.11.2") > v("2.7.3"));
        assert!(v("3.0.0") > v("2.11.2"));
        assert!(v("3.10.0") > v("3.9.9"));
    }
}
