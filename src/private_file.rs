//! Files only their owner may read: a station's store and the server's database hold who did
//! what, the config file holds the sync token and the supervisor PIN. Created `0600` on Unix
//! (SQLite gives its `-wal` and `-shm` files the database file's mode); elsewhere the
//! platform's default.

use std::io;
use std::path::Path;

/// Creates `path` empty and owner-only if it does not exist; an existing file is left as it
/// is (its owner chose its mode).
pub fn create(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `contents` to `path`, creating it owner-only when it is new.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    create(path)?;
    std::fs::write(path, contents)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_file_is_owner_only_and_an_existing_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        super::write(&new, b"pin = 1234").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&new), 0o600);
        assert_eq!(std::fs::read(&new).unwrap(), b"pin = 1234");
        let shared = dir.path().join("shared");
        std::fs::write(&shared, b"x").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::write(&shared, b"y").unwrap();
        assert_eq!(mode(&shared), 0o640);
    }
}
