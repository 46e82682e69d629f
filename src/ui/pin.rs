//! The supervisor PIN: hold, release, reject and recall at a station need the PIN from the
//! station config (`[ui] supervisor_pin`). Pure; a refusal happens before any job is sent, so
//! nothing is written.

/// Why a supervisor action was refused at the PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinRefusal {
    /// The station has no supervisor PIN configured.
    #[error(
        "no supervisor PIN is set for this station: set supervisor_pin under [ui] in the station config"
    )]
    NotSet,
    /// Nothing typed.
    #[error("type the supervisor PIN first")]
    Empty,
    /// The PIN typed is not the station's.
    #[error("wrong supervisor PIN: nothing was changed")]
    Wrong,
}

/// Checks a typed PIN against the configured one. The comparison looks at every byte, so its
/// time does not tell how much of a wrong PIN was right.
pub fn check(configured: Option<&str>, typed: &str) -> Result<(), PinRefusal> {
    let configured = configured
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or(PinRefusal::NotSet)?;
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(PinRefusal::Empty);
    }
    let (a, b) = (configured.as_bytes(), typed.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
    }
    if diff == 0 {
        Ok(())
    } else {
        Err(PinRefusal::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_pin_passes() {
        assert_eq!(check(Some("4711"), "4711"), Ok(()));
        assert_eq!(check(Some("4711"), " 4711 "), Ok(()));
        assert_eq!(check(Some("4711"), "4712"), Err(PinRefusal::Wrong));
        assert_eq!(check(Some("4711"), "471"), Err(PinRefusal::Wrong));
        assert_eq!(check(Some("4711"), "47110"), Err(PinRefusal::Wrong));
        assert_eq!(check(Some("4711"), ""), Err(PinRefusal::Empty));
        assert_eq!(check(None, "4711"), Err(PinRefusal::NotSet));
        assert_eq!(check(Some("  "), "4711"), Err(PinRefusal::NotSet));
    }
}
