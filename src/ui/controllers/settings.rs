//! Settings: the station config as a form, checked and saved as the config file.

use std::path::PathBuf;

use crate::config::StationConfig;
use crate::ui::present::{Shown, Verdict};
use crate::ui::settings;

/// The Settings mode: the config in use and where it is saved. Needs no store.
#[derive(Debug, Clone)]
pub struct SettingsController {
    config: StationConfig,
    /// Where the config is saved (`None`: no place known).
    path: Option<PathBuf>,
}

impl SettingsController {
    pub fn new(config: StationConfig, path: Option<PathBuf>) -> SettingsController {
        SettingsController { config, path }
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
        let saved = settings::apply(&self.config, form).and_then(|new| {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_is_refused_and_a_good_form_is_saved_and_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("lotline.toml");
        let mut c = SettingsController::new(StationConfig::default(), Some(path.clone()));
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
}
