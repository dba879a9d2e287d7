//! The `sftp` subsystem, served by russh-sftp from the attacker's overlay: realpath,
//! stat/lstat/fstat, opendir/readdir, open/read/write/close, mkdir/rmdir, remove, rename and
//! setstat (permissions, best effort). Written files go through the upload store, the
//! session's quota and a `cowrie.session.file_upload` event, like scp's.
//!
//! Everything is bounded: open handles, each written file (by the quota), directory listings
//! (one reply, as the overlay's directories are bounded by its entry quota).

use std::collections::HashMap;
use std::sync::Arc;

use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode, Version,
};

use crate::events::EventKind;
use crate::host::fs::{Canon, FileType, FsError, READ_LIMIT, Stat};
use crate::protocols::ssh::uploads::{self, Quota, SessionFiles, UploadStore};

/// Most handles one SFTP session may hold open.
const MAX_HANDLES: usize = 64;

/// Reports an event for the connection.
pub type Emit = Arc<dyn Fn(EventKind) + Send + Sync>;

/// What a handle refers to.
enum Open {
    /// A file being written: its contents so far; `full` once a write did not fit the quota
    /// (the partial file is then neither stored nor logged).
    Write {
        path: String,
        bytes: Vec<u8>,
        full: bool,
    },
    /// A file being read.
    Read { path: String },
    /// A directory; `done` once its entries were sent.
    Dir { path: String, done: bool },
}

/// One SFTP session on the attacker's filesystem.
pub struct SftpSession {
    files: SessionFiles,
    uploads: UploadStore,
    quota: Quota,
    emit: Emit,
    handles: HashMap<String, Open>,
    next_handle: u64,
}

impl SftpSession {
    /// A session writing into `files`, storing uploads in `uploads` within `quota`.
    pub fn new(files: SessionFiles, uploads: UploadStore, quota: Quota, emit: Emit) -> Self {
        SftpSession {
            files,
            uploads,
            quota,
            emit,
            handles: HashMap::new(),
            next_handle: 0,
        }
    }

    fn add(&mut self, open: Open) -> Result<String, StatusCode> {
        if self.handles.len() >= MAX_HANDLES {
            return Err(StatusCode::Failure);
        }
        self.next_handle += 1;
        let handle = self.next_handle.to_string();
        self.handles.insert(handle.clone(), open);
        Ok(handle)
    }

    fn stat(&self, path: &str, follow: bool) -> Result<FileAttributes, StatusCode> {
        self.files
            .with(|fs| {
                if follow {
                    fs.stat(path)
                } else {
                    fs.lstat(path)
                }
            })
            .map(|stat| attributes(&stat))
            .map_err(status)
    }
}

/// The SFTP status for a filesystem error (OpenSSH's `errno_to_portable`).
fn status(err: FsError) -> StatusCode {
    match err {
        FsError::NotFound => StatusCode::NoSuchFile,
        FsError::PermissionDenied | FsError::NotPermitted => StatusCode::PermissionDenied,
        _ => StatusCode::Failure,
    }
}

fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Success".into(),
        language_tag: "".into(),
    }
}

/// SFTP attributes of a stat, with the file-type bits in `permissions`.
fn attributes(stat: &Stat) -> FileAttributes {
    let kind = match stat.file_type {
        FileType::Regular => 0o100000,
        FileType::Directory => 0o040000,
        FileType::Symlink => 0o120000,
        FileType::CharDevice => 0o020000,
    };
    let mtime = u32::try_from(stat.mtime.secs.max(0)).unwrap_or(u32::MAX);
    FileAttributes {
        size: Some(stat.size),
        uid: Some(stat.uid),
        user: None,
        gid: Some(stat.gid),
        group: None,
        permissions: Some(kind | (stat.mode & 0o7777)),
        atime: Some(mtime),
        mtime: Some(mtime),
    }
}

/// `ls -l`'s line for an entry, as OpenSSH's sftp-server sends it.
fn longname(name: &str, stat: &Stat, user: &str, group: &str) -> String {
    let attrs = attributes(stat);
    let perms = stat.mode & 0o777;
    let mut mode = String::with_capacity(10);
    mode.push(stat.file_type.letter());
    for shift in [6, 3, 0] {
        let bits = (perms >> shift) & 7;
        mode.push(if bits & 4 != 0 { 'r' } else { '-' });
        mode.push(if bits & 2 != 0 { 'w' } else { '-' });
        mode.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let when = stat.mtime.to_datetime().format("%b %e %H:%M");
    format!(
        "{mode} {:>3} {user:<8} {group:<8} {:>8} {when} {name}",
        stat.nlink,
        attrs.size.unwrap_or(0)
    )
}

impl russh_sftp::server::Handler for SftpSession {
    type Error = StatusCode;

    fn unimplemented(&self) -> Self::Error {
        StatusCode::OpUnsupported
    }

    async fn init(
        &mut self,
        _version: u32,
        _extensions: HashMap<String, String>,
    ) -> Result<Version, Self::Error> {
        Ok(Version::new())
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        let path = if path.is_empty() { ".".into() } else { path };
        let real = self
            .files
            .with(|fs| fs.canonicalize(&path, Canon::AllButLast))
            .map_err(status)?;
        Ok(Name {
            id,
            files: vec![File::dummy(real)],
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let attrs = SftpSession::stat(self, &path, true)?;
        Ok(Attrs { id, attrs })
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let attrs = SftpSession::stat(self, &path, false)?;
        Ok(Attrs { id, attrs })
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let attrs = match self.handles.get(&handle) {
            Some(Open::Write { bytes, .. }) => FileAttributes {
                size: Some(bytes.len() as u64),
                permissions: Some(0o100644),
                ..FileAttributes::default()
            },
            Some(Open::Read { path }) | Some(Open::Dir { path, .. }) => {
                let path = path.clone();
                SftpSession::stat(self, &path, true)?
            }
            None => return Err(StatusCode::Failure),
        };
        Ok(Attrs { id, attrs })
    }

    async fn setstat(
        &mut self,
        id: u32,
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        if let Some(mode) = attrs.permissions {
            self.files
                .with(|fs| fs.chmod(&path, mode & 0o7777))
                .map_err(status)?;
        }
        Ok(ok(id))
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        _handle: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        Ok(ok(id))
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let real = self
            .files
            .with(|fs| {
                fs.read_dir(&path)?;
                fs.canonicalize(&path, Canon::Existing)
            })
            .map_err(status)?;
        let handle = self.add(Open::Dir {
            path: real,
            done: false,
        })?;
        Ok(Handle { id, handle })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        let path = match self.handles.get_mut(&handle) {
            Some(Open::Dir { done: true, .. }) => return Err(StatusCode::Eof),
            Some(Open::Dir { path, done }) => {
                *done = true;
                path.clone()
            }
            _ => return Err(StatusCode::Failure),
        };
        let files = self
            .files
            .with(|fs| {
                let accounts = fs.accounts();
                let mut files = Vec::new();
                for name in [".", ".."] {
                    let stat = fs.stat(&format!("{path}/{name}"))?;
                    files.push((name.to_owned(), stat));
                }
                for entry in fs.read_dir(&path)? {
                    let stat = fs.fresh_stat(&entry.node);
                    files.push((entry.name, stat));
                }
                Ok(files
                    .into_iter()
                    .map(|(name, stat)| {
                        let user = accounts.user_name(stat.uid);
                        let group = accounts.group_name(stat.gid);
                        File {
                            longname: longname(&name, &stat, &user, &group),
                            attrs: attributes(&stat),
                            filename: name,
                        }
                    })
                    .collect())
            })
            .map_err(status)?;
        Ok(Name { id, files })
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        _attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let open = if pflags.contains(OpenFlags::WRITE) || pflags.contains(OpenFlags::CREATE) {
            // open(O_CREAT|O_TRUNC): the name exists (empty) from now on.
            let path = self
                .files
                .with(|fs| {
                    fs.write(&filename, &[], false)?;
                    fs.canonicalize(&filename, Canon::Existing)
                })
                .map_err(status)?;
            Open::Write {
                path,
                bytes: Vec::new(),
                full: false,
            }
        } else {
            let path = self
                .files
                .with(|fs| {
                    fs.read_limited(&filename, 0)?;
                    fs.canonicalize(&filename, Canon::Existing)
                })
                .map_err(status)?;
            Open::Read { path }
        };
        let handle = self.add(open)?;
        Ok(Handle { id, handle })
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        let Some(Open::Read { path }) = self.handles.get(&handle) else {
            return Err(StatusCode::Failure);
        };
        let bytes = self
            .files
            .with(|fs| fs.read_limited(path, READ_LIMIT))
            .map_err(status)?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if start >= bytes.len() {
            return Err(StatusCode::Eof);
        }
        let end = bytes.len().min(start.saturating_add(len as usize));
        Ok(Data {
            id,
            data: bytes[start..end].to_vec(),
        })
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let Some(Open::Write { bytes, full, .. }) = self.handles.get_mut(&handle) else {
            return Err(StatusCode::Failure);
        };
        let Some(end) = offset.checked_add(data.len() as u64) else {
            return Err(StatusCode::Failure);
        };
        let grow = end.saturating_sub(bytes.len() as u64);
        // A full disk: sftp-server reports ENOSPC as a plain failure.
        if *full || !self.quota.take(grow) {
            *full = true;
            return Err(StatusCode::Failure);
        }
        let (Ok(start), Ok(end)) = (usize::try_from(offset), usize::try_from(end)) else {
            return Err(StatusCode::Failure);
        };
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[start..end].copy_from_slice(&data);
        Ok(ok(id))
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        match self.handles.remove(&handle) {
            Some(Open::Write { full: true, .. }) => Err(StatusCode::Failure),
            Some(Open::Write { path, bytes, .. }) => {
                let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
                let (event, result) = uploads::receive(
                    &self.files,
                    &self.uploads,
                    &path,
                    &name,
                    bytes,
                    0o644,
                    "sftp",
                )
                .await;
                if let Some(event) = event {
                    (self.emit)(event);
                }
                result.map_err(|_| StatusCode::Failure)?;
                Ok(ok(id))
            }
            Some(_) => Ok(ok(id)),
            None => Err(StatusCode::Failure),
        }
    }

    async fn mkdir(
        &mut self,
        id: u32,
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let mode = attrs.permissions.unwrap_or(0o777) & 0o7777;
        self.files
            .with(|fs| fs.mkdir(&path, mode))
            .map_err(status)?;
        Ok(ok(id))
    }

    async fn rmdir(&mut self, id: u32, path: String) -> Result<Status, Self::Error> {
        self.files.with(|fs| fs.rmdir(&path)).map_err(status)?;
        Ok(ok(id))
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        self.files.with(|fs| fs.unlink(&filename)).map_err(status)?;
        Ok(ok(id))
    }

    async fn rename(
        &mut self,
        id: u32,
        oldpath: String,
        newpath: String,
    ) -> Result<Status, Self::Error> {
        self.files
            .with(|fs| fs.rename(&oldpath, &newpath))
            .map_err(status)?;
        Ok(ok(id))
    }
}
