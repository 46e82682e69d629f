//! Settings: the station config as a form, checked and saved as the config file.

use std::path::PathBuf;

use crate::config::StationConfig;
use crate::ui::pin::SharedGate;
use crate::ui::present::{Shown, Verdict};
use crate::ui::settings;

/// The Settings mode: the config in use and where it is saved. Needs no store.
#[derive(Debug, Clone)]
pub struct SettingsController {
    config: StationConfig,
    /// Where the config is saved (`None`: no place known).
    path: Option<PathBuf>,
    /// The supervisor PIN's check and lockout, shared with Lot lookup: changing the PIN needs
    /// the current one, and a wrong one counts toward the same lockout.
    gate: SharedGate,
}

impl SettingsController {
    pub fn new(
        config: StationConfig,
        path: Option<PathBuf>,
        gate: SharedGate,
    ) -> SettingsController {
        SettingsController { config, path, gate }
    }

    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    /// Where the config is saved, for the form's header.
    pub fn path_text(&self) -> String {
        self.path
            .as_ref()
            .map_or("(no config file)".into(), |p| p.display().to_string())
    }

    /// The form's fields for the config in use.
    pub fn fields(&self) -> Vec<(String, String)> {
        settings::fields(&self.config)
    }

    /// Checks the form and saves it as the config file; the new config is in use from now on
    /// (scanner and server changes at the next start).
    pub fn save(&mut self, form: &[(String, String)]) -> Shown {
        let checked = settings::apply(&self.config, form).and_then(|new| {
            self.check_current_pin(form)?;
            Ok(new)
        });
        let saved = checked.and_then(|new| {
            let path = self
                .path
                .clone()
                .ok_or("no place for the config file: start Lotline with --config FILE")?;
            let text = toml::to_string_pretty(&new).map_err(|e| e.to_string())?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            crate::private_file::write(&path, text.as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((new, path))
        });
        match saved {
            Ok((new, path)) => {
                self.config = new;
                Shown::new(
                    Verdict::Ok,
                    "SAVED",
                    format!(
                        "settings saved to {}; scanner and server changes apply at the next start",
                        path.display()
                    ),
                )
            }
            Err(message) => Shown::refused(format!("not saved: {message}")),
        }
    }

    /// A new PIN needs the current one (checked after the form, so a typo elsewhere costs no
    /// attempt); the first PIN of a station needs nothing.
    fn check_current_pin(&self, form: &[(String, String)]) -> Result<(), String> {
        let Some(current) = self.config.ui.supervisor_pin_hash.as_deref() else {
            return Ok(());
        };
        if settings::value(form, settings::PIN).is_empty() {
            return Ok(());
        }
        let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        gate.check(
            Some(current),
            settings::value(form, settings::CURRENT_PIN),
            chrono::Utc::now(),
        )
        .map_err(|refusal| format!("{}: {refusal}", settings::CURRENT_PIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::pin::PinGate;

    #[test]
    fn a_bad_value_is_refused_and_a_good_form_is_saved_and_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("lotline.toml");
        let gate = std::sync::Arc::new(std::sync::Mutex::new(PinGate::default()));
        let mut c = SettingsController::new(StationConfig::default(), Some(path.clone()), gate);
        let mut form = c.fields();
        let set = |form: &mut Vec<(String, String)>, key: &str, value: &str| {
            form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.into();
        };
        set(&mut form, settings::PRINTER, "lpt1");
        let shown = c.save(&form);
        assert_eq!(shown.headline, "REFUSED");
        assert!(shown.message.contains("Printer"), "{}", shown.message);
        assert!(!path.exists());
        set(&mut form, settings::PRINTER, "folder:/tmp/labels");
        set(&mut form, settings::STATION, "DOCK-2");
        assert_eq!(c.save(&form).headline, "SAVED");
        assert_eq!(c.config().ui.station.as_deref(), Some("DOCK-2"));
        let saved = StationConfig::load(Some(&path)).unwrap();
        assert_eq!(saved.identity().station, "DOCK-2");
        // It holds the PIN and the sync token: its owner's alone.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn the_first_pin_needs_nothing_and_a_new_one_needs_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lotline.toml");
        let gate = std::sync::Arc::new(std::sync::Mutex::new(PinGate::default()));
        let mut c = SettingsController::new(StationConfig::default(), Some(path), gate.clone());
        let form = |c: &SettingsController, current: &str, new: &str| {
            let mut form = c.fields();
            for (k, v) in &mut form {
                if k == settings::CURRENT_PIN {
                    *v = current.into();
                } else if k == settings::PIN {
                    *v = new.into();
                }
            }
            form
        };
        assert_eq!(c.save(&form(&c, "", "4711")).headline, "SAVED");
        let first = c.config().ui.supervisor_pin_hash.clone().unwrap();
        for current in ["", "1234"] {
            let shown = c.save(&form(&c, current, "9999"));
            assert_eq!(shown.headline, "REFUSED");
            assert!(
                shown.message.contains(settings::CURRENT_PIN),
                "{}",
                shown.message
            );
            assert_eq!(
                c.config().ui.supervisor_pin_hash.as_deref(),
                Some(first.as_str())
            );
        }
        // Other settings save without it; the new PIN with the current one.
        assert_eq!(c.save(&form(&c, "", "")).headline, "SAVED");
        assert_eq!(c.save(&form(&c, "4711", "9999")).headline, "SAVED");
        let phc = c.config().ui.supervisor_pin_hash.clone().unwrap();
        assert_eq!(crate::pin::verify(&phc, "9999"), Ok(true));
        // Wrong current PINs count toward the one lockout: the fifth locks, then even the
        // right one is refused.
        for _ in 0..4 {
            c.save(&form(&c, "1234", "5555"));
        }
        let locked = gate
            .lock()
            .unwrap()
            .check(Some(&phc), "0000", chrono::Utc::now());
        assert!(
            matches!(locked, Err(crate::ui::pin::PinRefusal::Locked { .. })),
            "{locked:?}"
        );
        let shown = c.save(&form(&c, "9999", "5555"));
        assert!(shown.message.contains("try again at"), "{}", shown.message);
    }
}
