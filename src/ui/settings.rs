//! Settings mode: the station config's fields as text for the form, and the form's text
//! checked back into a config. Pure; the app saves the result as TOML.

use std::path::PathBuf;

use crate::config::StationConfig;
use crate::printer::PrintTarget;

/// The fields Settings shows, in order (labels are also the keys [`apply`] reads).
pub const STATION: &str = "Station name";
pub const FACILITY: &str = "Site facility code";
pub const BATCH_FORMAT: &str = "Batch number format";
pub const PRODUCTION: &str = "Production location";
pub const GLN: &str = "Site GLN (13 digits)";
pub const SCANNER: &str = "Scanner source (serial:…)";
pub const GS: &str = "GS substitute";
pub const PRINTER: &str = "Printer (cups:, raw:, folder:)";
pub const TEMPLATE: &str = "Receive label template";
pub const SERVER: &str = "Server URL";
pub const EXPIRY: &str = "Expiry board days";
pub const SOUNDS: &str = "Sounds (on/off)";
pub const CURRENT_PIN: &str = "Current supervisor PIN";
pub const PIN: &str = "New supervisor PIN (blank: keep)";

/// Whether the field is a PIN (typed as dots, never shown back).
pub fn is_secret(key: &str) -> bool {
    key == CURRENT_PIN || key == PIN
}

/// The value typed into field `key` of `form` (empty when it is not there).
pub fn value<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

/// The form's fields for `config`.
pub fn fields(config: &StationConfig) -> Vec<(String, String)> {
    let printer = match &config.printer {
        None => String::new(),
        Some(PrintTarget::Cups { printer }) => format!("cups:{printer}"),
        Some(PrintTarget::Raw { addr }) => format!("raw:{addr}"),
        Some(PrintTarget::Folder { dir }) => format!("folder:{}", dir.display()),
    };
    [
        (STATION, config.ui.station.clone().unwrap_or_default()),
        (FACILITY, config.site.facility.clone()),
        (BATCH_FORMAT, config.site.batch_format.clone()),
        (PRODUCTION, config.site.production_location.clone()),
        (GLN, config.site.gln.clone().unwrap_or_default()),
        (SCANNER, config.scanner.source.clone().unwrap_or_default()),
        (
            GS,
            config
                .scanner
                .wedge
                .gs_substitute
                .map(String::from)
                .unwrap_or_default(),
        ),
        (PRINTER, printer),
        (TEMPLATE, config.ui.receive_template.clone()),
        (SERVER, config.sync.server.clone().unwrap_or_default()),
        (EXPIRY, config.ui.expiry_days.to_string()),
        (SOUNDS, if config.ui.sounds { "on" } else { "off" }.into()),
        (CURRENT_PIN, String::new()),
        (PIN, String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `config` with the form's values; the first bad value is refused with what to write. A new
/// PIN is kept as its hash only; the current PIN is not looked at here (the controller checks
/// it against the lockout before saving).
pub fn apply(config: &StationConfig, form: &[(String, String)]) -> Result<StationConfig, String> {
    let mut c = config.clone();
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    for (key, typed) in form {
        let v = typed.trim();
        match key.as_str() {
            STATION => c.ui.station = opt(v),
            FACILITY => c.site.facility = v.to_string(),
            BATCH_FORMAT => {
                crate::batch::BatchFormat::parse(v).map_err(|e| format!("{BATCH_FORMAT}: {e}"))?;
                c.site.batch_format = v.to_string();
            }
            PRODUCTION if v.is_empty() => {
                return Err(format!(
                    "{PRODUCTION}: name the location produced batches go to"
                ));
            }
            PRODUCTION => c.site.production_location = v.to_string(),
            GLN => {
                if let Some(gln) = opt(v) {
                    // AI (414) is a GLN: its rules (13 digits, check digit) are the AI table's.
                    crate::gs1::Message::from_elements([("414", gln.as_str())])
                        .map_err(|e| format!("{GLN}: {e}"))?;
                }
                c.site.gln = opt(v);
            }
            SCANNER => {
                if let Some(spec) = opt(v) {
                    crate::scanner::source::SourceSpec::parse(&spec)
                        .map_err(|e| format!("{SCANNER}: {e}"))?;
                }
                c.scanner.source = opt(v);
            }
            GS => {
                let mut chars = v.chars();
                c.scanner.wedge.gs_substitute = match (chars.next(), chars.next()) {
                    (None, _) => None,
                    (Some(ch), None) => Some(ch),
                    _ => return Err(format!("{GS}: one character, or empty for none")),
                };
            }
            PRINTER => c.printer = printer(v)?,
            TEMPLATE => {
                crate::label::Template::load(v).map_err(|e| format!("{TEMPLATE}: {e}"))?;
                c.ui.receive_template = v.to_string();
            }
            SERVER => {
                if let Some(url) = opt(v)
                    && !(url.starts_with("http://") || url.starts_with("https://"))
                {
                    return Err(format!(
                        "{SERVER}: write it as http://HOST:PORT or https://…"
                    ));
                }
                c.sync.server = opt(v);
            }
            EXPIRY => {
                c.ui.expiry_days = v
                    .parse()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| format!("{EXPIRY}: a number of days from 1 to 3650"))?;
            }
            SOUNDS => {
                c.ui.sounds = match v.to_ascii_lowercase().as_str() {
                    "on" | "yes" | "true" => true,
                    "off" | "no" | "false" => false,
                    _ => return Err(format!("{SOUNDS}: on or off")),
                }
            }
            PIN if v.is_empty() => {}
            PIN if v.len() < 4 || !v.chars().all(|ch| ch.is_ascii_digit()) => {
                return Err(format!("{PIN}: at least 4 digits"));
            }
            PIN => {
                c.ui.set_supervisor_pin(v)
                    .map_err(|e| format!("{PIN}: {e}"))?
            }
            CURRENT_PIN => {}
            _ => return Err(format!("unknown setting {key}")),
        }
    }
    Ok(c)
}

fn printer(v: &str) -> Result<Option<PrintTarget>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    let (kind, rest) = v.split_once(':').unwrap_or((v, ""));
    let rest = rest.trim();
    let target = match kind.trim() {
        "cups" if !rest.is_empty() => PrintTarget::Cups {
            printer: rest.to_string(),
        },
        "raw" if rest.contains(':') => PrintTarget::Raw {
            addr: rest.to_string(),
        },
        "folder" if !rest.is_empty() => PrintTarget::Folder {
            dir: PathBuf::from(rest),
        },
        _ => {
            return Err(format!(
                "{PRINTER}: write cups:QUEUE, raw:HOST:PORT or folder:DIR, or leave it empty"
            ));
        }
    };
    Ok(Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(form: &mut [(String, String)], key: &str, value: &str) {
        form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.into();
    }

    #[test]
    fn the_form_round_trips_and_bad_values_are_refused_with_the_field() {
        let config = StationConfig::default();
        let mut form = fields(&config);
        assert_eq!(apply(&config, &form).unwrap().ui, config.ui);

        set(&mut form, PRINTER, "raw:10.0.0.7:9100");
        set(&mut form, PIN, "4711");
        set(&mut form, SERVER, "http://hq:8080");
        set(&mut form, GLN, "9501101000001");
        let c = apply(&config, &form).unwrap();
        assert_eq!(c.site.gln.as_deref(), Some("9501101000001"));
        assert_eq!(
            c.printer,
            Some(PrintTarget::Raw {
                addr: "10.0.0.7:9100".into()
            })
        );
        let phc = c.ui.supervisor_pin_hash.clone().unwrap();
        assert_eq!(crate::pin::verify(&phc, "4711"), Ok(true));
        assert_eq!(c.sync.server.as_deref(), Some("http://hq:8080"));
        // The PIN is never shown back; blank keeps it.
        assert_eq!(value(&fields(&c), PIN), "");
        assert_eq!(value(&fields(&c), CURRENT_PIN), "");
        assert_eq!(
            apply(&c, &fields(&c)).unwrap().ui.supervisor_pin_hash,
            Some(phc)
        );

        for (key, bad) in [
            (PRINTER, "lpt1"),
            (EXPIRY, "soon"),
            (PIN, "12"),
            (SERVER, "hq:8080"),
            (GS, "~~"),
            (GLN, "9501101000002"),
            (GLN, "950110100000"),
        ] {
            let mut form = fields(&config);
            set(&mut form, key, bad);
            let err = apply(&config, &form).unwrap_err();
            assert!(err.starts_with(key), "{key}: {err}");
        }
    }
}
