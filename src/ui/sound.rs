//! Scan sounds from `assets/sounds/`: a chirp for OK, a double beep for a warning, a low buzz
//! for a refusal. Played by spawning `aplay` or `paplay` (whichever is installed) on a
//! background thread, so no audio library or -dev package is needed at build time and the UI
//! never waits for a sound.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::present::Verdict;

/// One of the shipped sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    Ok,
    Warning,
    Refusal,
}

impl Sound {
    /// The sound an outcome plays: every refusal and every unreadable label buzzes, a FEFO or
    /// similar warning double-beeps, a good scan chirps.
    /// A barcode waiting for the rest of its label makes no sound of its own (the scanner's
    /// beep says it was read): a chirp would sound like "recorded".
    pub fn for_verdict(verdict: Verdict) -> Option<Sound> {
        match verdict {
            Verdict::Ok => Some(Sound::Ok),
            Verdict::Warn => Some(Sound::Warning),
            Verdict::Refused | Verdict::Invalid => Some(Sound::Refusal),
            Verdict::Pending => None,
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Sound::Ok => "ok.wav",
            Sound::Warning => "warning.wav",
            Sound::Refusal => "refusal.wav",
        }
    }
}

/// The folder of shipped sounds (`LOTLINE_SOUNDS`, else `assets/sounds` of the source tree).
pub fn sounds_dir() -> PathBuf {
    std::env::var_os("LOTLINE_SOUNDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sounds"))
}

/// Plays sounds with the first player found on PATH, or stays silent (and says so once).
#[derive(Debug, Clone)]
pub struct Player {
    dir: PathBuf,
    command: Option<&'static str>,
}

impl Player {
    /// A player for `dir`; `enabled` false (config `sounds = false`) makes it silent.
    pub fn new(dir: PathBuf, enabled: bool) -> Player {
        let command = if enabled {
            ["aplay", "paplay"].into_iter().find(|c| on_path(c))
        } else {
            None
        };
        if enabled && command.is_none() {
            eprintln!("lotline: no aplay or paplay found: scan sounds are off");
        }
        Player { dir, command }
    }

    /// Starts playing `sound` and returns at once.
    pub fn play(&self, sound: Sound) {
        let Some(command) = self.command else { return };
        let path = self.dir.join(sound.file_name());
        std::thread::spawn(move || {
            let mut cmd = Command::new(command);
            if command == "aplay" {
                cmd.arg("-q");
            }
            let _ = cmd
                .arg(path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        });
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_plays_its_sound_and_the_files_ship() {
        assert_eq!(Sound::for_verdict(Verdict::Ok), Some(Sound::Ok));
        assert_eq!(Sound::for_verdict(Verdict::Warn), Some(Sound::Warning));
        assert_eq!(Sound::for_verdict(Verdict::Refused), Some(Sound::Refusal));
        assert_eq!(Sound::for_verdict(Verdict::Invalid), Some(Sound::Refusal));
        for s in [Sound::Ok, Sound::Warning, Sound::Refusal] {
            let path = sounds_dir().join(s.file_name());
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(&bytes[..4], b"RIFF", "{} is a WAV file", path.display());
            assert_eq!(&bytes[8..12], b"WAVE");
        }
    }
}
