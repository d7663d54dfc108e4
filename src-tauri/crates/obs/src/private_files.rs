//! The owner's files are the owner's alone: the data folder, the ledger (and
//! its `-wal` and `-shm`), backups, logs and support bundles hold the books
//! and what the app did with them.
//!
//! On Unix every folder of the app is made `0700` and every file it writes
//! `0600`, whatever the process's umask; a folder or file made by an older
//! version is tightened when it is next used.
//!
//! On Windows each of them gets an owner-only ACL, whatever folder it is in
//! (`%LOCALAPPDATA%`, or a `LEDGERKEEP_DATA_DIR` on a shared drive): the
//! inherited entries are removed and the signed-in user alone is granted full
//! control, inherited by what a folder holds. It is set with the system's
//! `icacls` (run without a console window), which keeps the code free of
//! `unsafe` FFI; a refusal is an error, as a failed `chmod` is on Unix.

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
    let file = options.open(path)?;
    // Unix: already so (the mode above); Windows: the ACL is set now.
    set_mode(path, FILE_MODE)?;
    Ok(file)
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

/// Windows: `path`'s ACL made owner-only (see the module's note): `icacls
/// <path> /inheritance:r /grant:r <user>:F`, with `(OI)(CI)` for a folder so
/// that what it holds inherits the entry.
#[cfg(windows)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::windows::process::CommandExt;
    /// No console window flashes up behind the app.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    std::fs::metadata(path)?;
    let grant = format!("{}:{}", windows_user()?, windows_rights(mode));
    let out = std::process::Command::new("icacls")
        .arg(path)
        .args(["/inheritance:r", "/grant:r", &grant, "/q"])
        .creation_flags(CREATE_NO_WINDOW)
        .output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "could not make {} owner-only: icacls said {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout).trim()
        )))
    }
}

/// The rights `icacls` grants for a Unix mode: a folder's inherited by what
/// it holds, a file's on the file alone.
#[cfg(any(windows, test))]
fn windows_rights(mode: u32) -> &'static str {
    if mode == DIR_MODE {
        "(OI)(CI)F"
    } else {
        "F"
    }
}

/// The signed-in user as `icacls` names them: `DOMAIN\name`, or the name.
#[cfg(windows)]
fn windows_user() -> io::Result<String> {
    let name = std::env::var("USERNAME")
        .map_err(|_| io::Error::other("USERNAME is not set: the owner is unknown"))?;
    Ok(match std::env::var("USERDOMAIN") {
        Ok(domain) if !domain.is_empty() => format!("{domain}\\{name}"),
        _ => name,
    })
}

// Neither Unix nor Windows: only check that the path is there.
#[cfg(not(any(unix, windows)))]
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

#[cfg(test)]
mod rights {
    use super::*;

    #[test]
    fn a_folders_entry_is_inherited_and_a_files_is_not() {
        assert_eq!(windows_rights(DIR_MODE), "(OI)(CI)F");
        assert_eq!(windows_rights(FILE_MODE), "F");
    }
}

/// On Windows: what `icacls` lists for a folder and a file made here is the
/// user alone (no inherited entry, no group).
#[cfg(all(test, windows))]
mod windows_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn listed(path: &Path) -> String {
        let out = std::process::Command::new("icacls")
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn folders_and_files_list_the_user_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        owner_only_dir(&dir).unwrap();
        let file = dir.join("ledger.sqlite");
        create_new_owner_only(&file).unwrap();
        let user = windows_user().unwrap();
        for (path, rights) in [(&dir, "(OI)(CI)(F)"), (&file, "(F)")] {
            let acl = listed(path);
            let entries: Vec<&str> = acl
                .lines()
                .map(|l| l.trim_start_matches(&*path.display().to_string()).trim())
                .filter(|l| l.contains(':') && l.contains('('))
                .collect();
            assert_eq!(entries, vec![format!("{user}:{rights}").as_str()], "{acl}");
        }
    }
}
