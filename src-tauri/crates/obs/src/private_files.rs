//! The owner's files are the owner's alone: the data folder, the ledger (and
//! its `-wal` and `-shm`), backups, logs and support bundles hold the books
//! and what the app did with them.
//!
//! On Unix every folder of the app is made `0700` and every file it writes
//! `0600`, whatever the process's umask; a folder or file made by an older
//! version is tightened when it is next used.
//!
//! On Windows nothing is changed here: the app's folders live under the
//! user's `%LOCALAPPDATA%`, whose inherited ACL already grants access to the
//! user, SYSTEM and Administrators only, and files created inside inherit it.
//! (A destination the owner picks in a save dialog keeps that folder's ACL,
//! as any file they save there would.)

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of the app's folders on Unix: the owner may list, enter and write.
pub const DIR_MODE: u32 = 0o700;
/// The mode of the app's files on Unix: the owner may read and write.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its missing parents) and makes `dir` itself owner-only.
/// Parents that already existed are left as they are (they may be the
/// owner's home or a folder they chose).
pub fn owner_only_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Makes an existing file owner-only; a file that is not there is no error
/// (a ledger without its `-wal` yet).
pub fn restrict_file(path: &Path) -> io::Result<()> {
    match set_mode(path, FILE_MODE) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Creates a new owner-only file for writing; fails if `path` exists, so that
/// no file is ever overwritten.
pub fn create_new_owner_only(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only(&mut options);
    options.open(path)
}

/// Opens `path` for appending, creating it owner-only if it is not there (and
/// tightening it if an older version made it wider).
pub fn append_owner_only(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    owner_only(&mut options);
    let file = options.open(path)?;
    set_mode(path, FILE_MODE)?;
    Ok(file)
}

#[cfg(unix)]
fn owner_only(options: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(FILE_MODE);
}

#[cfg(not(unix))]
fn owner_only(_options: &mut OpenOptions) {}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

// Windows: owner-only ACLs are the default for LOCALAPPDATA (see the module's
// note); only check that the path is there, as the Unix version does.
#[cfg(not(unix))]
fn set_mode(path: &Path, _mode: u32) -> io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

/// The permission bits of `path` (Unix), for tests and diagnostics.
#[cfg(unix)]
pub fn mode_of(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn folders_are_made_owner_only_and_wide_ones_are_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        owner_only_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        owner_only_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
    }

    #[test]
    fn new_files_are_owner_only_and_never_overwrite() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("bundle.zip");
        create_new_owner_only(&path)
            .unwrap()
            .write_all(b"first")
            .unwrap();
        assert_eq!(mode_of(&path).unwrap(), 0o600);
        let err = create_new_owner_only(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
    }

    #[test]
    fn appended_files_are_owner_only_even_when_an_older_one_was_wide() {
        let root = tempfile::tempdir().unwrap();
        let fresh = root.path().join("fresh.jsonl");
        append_owner_only(&fresh).unwrap();
        assert_eq!(mode_of(&fresh).unwrap(), 0o600);
        let old = root.path().join("old.jsonl");
        std::fs::write(&old, "line\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        append_owner_only(&old)
            .unwrap()
            .write_all(b"more\n")
            .unwrap();
        assert_eq!(mode_of(&old).unwrap(), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "line\nmore\n");
    }

    #[test]
    fn restricting_a_missing_file_is_no_error() {
        let root = tempfile::tempdir().unwrap();
        restrict_file(&root.path().join("ledger.sqlite-wal")).unwrap();
        let f = root.path().join("ledger.sqlite");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        restrict_file(&f).unwrap();
        assert_eq!(mode_of(&f).unwrap(), 0o600);
    }
}
