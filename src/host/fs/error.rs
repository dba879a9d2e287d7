//! [`FsError`]: why a filesystem operation failed, as the Linux kernel would say it.

/// Why an operation on the fake filesystem failed. Each variant is one `errno`, and its text is
/// glibc's `strerror` wording (capitalised, no period), because that is what commands print
/// after the file name: `cat: x: No such file or directory`. That is why these messages break
/// the crate's lowercase rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// `ENOENT`: a component of the path does not exist.
    #[error("No such file or directory")]
    NotFound,
    /// `ENOTDIR`: a component used as a directory is not one.
    #[error("Not a directory")]
    NotADirectory,
    /// `EISDIR`: a file operation on a directory.
    #[error("Is a directory")]
    IsADirectory,
    /// `EACCES`: the permission bits forbid it.
    #[error("Permission denied")]
    PermissionDenied,
    /// `EPERM`: only the owner or root may do it (chmod, chown, sticky directories).
    #[error("Operation not permitted")]
    NotPermitted,
    /// `ELOOP`: more than [`MAX_SYMLINKS`](super::MAX_SYMLINKS) symbolic links on one path.
    #[error("Too many levels of symbolic links")]
    Loop,
    /// `ENOSPC`: the session's overlay is over its byte or entry quota (a full disk).
    #[error("No space left on device")]
    NoSpace,
    /// `EEXIST`: the name is taken.
    #[error("File exists")]
    Exists,
    /// `ENOTEMPTY`: `rmdir` (or a rename over) a directory with entries.
    #[error("Directory not empty")]
    NotEmpty,
    /// `EINVAL`: e.g. moving a directory into itself, `readlink` of a non-link.
    #[error("Invalid argument")]
    InvalidArgument,
    /// `ENAMETOOLONG`: a component over 255 bytes or a path over 4095.
    #[error("File name too long")]
    NameTooLong,
    /// `EBUSY`: removing or renaming a mount point such as `/proc` or `/`.
    #[error("Device or resource busy")]
    Busy,
    /// `EXDEV`: a rename between different mounts (`/proc`, `/dev`, …).
    #[error("Invalid cross-device link")]
    CrossDevice,
}

/// The result of a filesystem operation.
pub type FsResult<T> = Result<T, FsError>;

impl FsError {
    /// The `errno` value, for `$?`-style codes and tests.
    pub fn errno(self) -> i32 {
        match self {
            FsError::NotPermitted => 1,
            FsError::NotFound => 2,
            FsError::PermissionDenied => 13,
            FsError::Busy => 16,
            FsError::Exists => 17,
            FsError::CrossDevice => 18,
            FsError::NotADirectory => 20,
            FsError::IsADirectory => 21,
            FsError::InvalidArgument => 22,
            FsError::NoSpace => 28,
            FsError::NameTooLong => 36,
            FsError::NotEmpty => 39,
            FsError::Loop => 40,
        }
    }
}
