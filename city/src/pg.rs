//! A throwaway PostgreSQL cluster: `initdb` and `pg_ctl` from the Debian
//! `postgresql` package, in a folder of its own, on a free loopback port.
//! `motcua-city demo`, the integration tests and the benchmarks start one
//! the same way; it is stopped (`pg_ctl stop`) when dropped — at the end of
//! a test even when the test failed — and its folder removed if it made it.
//!
//! PostgreSQL refuses to run as root. Run as root (a CI container, a fresh
//! server), the folder is given to the `postgres` user the package creates
//! and every command runs through `runuser -u postgres`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Where the binaries are: `MOTCUA_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (15 or newer) with an `initdb`.
pub fn bin_dir() -> Result<PathBuf, PgError> {
    if let Some(dir) = std::env::var_os("MOTCUA_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (version >= 15 && bin.join("initdb").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or(PgError::NotInstalled)
}

/// Why a cluster could not be started.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "PostgreSQL 15 or newer is not installed (no /usr/lib/postgresql/*/bin/initdb): \
         apt-get install postgresql, or set MOTCUA_PG_BIN"
    )]
    NotInstalled,
    #[error("running as root, and there is no `postgres` user to run PostgreSQL as: apt-get install postgresql")]
    NoPostgresUser,
    #[error("{command} failed: {output}")]
    Command { command: String, output: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("PostgreSQL: {0}")]
    Pg(#[from] tokio_postgres::Error),
}

/// A running throwaway cluster.
pub struct TempCluster {
    bin: PathBuf,
    /// The folder: `data/`, `socket/`, `postgres.log`.
    dir: PathBuf,
    /// Owns (and removes) the folder when the cluster made it.
    _temp: Option<tempfile::TempDir>,
    /// Run commands as this user (when we are root).
    run_as: Option<String>,
    port: u16,
    database: String,
    /// `-c name=value` settings beyond the defaults.
    settings: Vec<(String, String)>,
    running: bool,
}

impl TempCluster {
    /// Starts a cluster in `dir` (a new temporary folder when `None`) and
    /// creates the database `database` in it.
    pub async fn start(dir: Option<&Path>, database: &str) -> Result<Self, PgError> {
        Self::start_with(dir, database, &[]).await
    }

    /// [`TempCluster::start`] with server settings (`shared_buffers`,
    /// `max_wal_size`, …) beyond PostgreSQL's defaults; fsync and
    /// synchronous commit stay on whatever is given.
    pub async fn start_with(
        dir: Option<&Path>,
        database: &str,
        settings: &[(&str, &str)],
    ) -> Result<Self, PgError> {
        let bin = bin_dir()?;
        let (dir, temp) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                (dir.to_owned(), None)
            }
            None => {
                let temp = tempfile::Builder::new().prefix("motcua-pg-").tempdir()?;
                (temp.path().to_owned(), Some(temp))
            }
        };
        let run_as = if is_root() {
            let (uid, gid) = postgres_ids().ok_or(PgError::NoPostgresUser)?;
            chown(&dir, uid, gid)?;
            Some("postgres".to_owned())
        } else {
            None
        };
        std::fs::create_dir_all(dir.join("socket"))?;
        if let Some(_user) = &run_as {
            let (uid, gid) = postgres_ids().ok_or(PgError::NoPostgresUser)?;
            chown(&dir.join("socket"), uid, gid)?;
        }
        let mut cluster = Self {
            bin,
            dir,
            _temp: temp,
            run_as,
            port: 0,
            database: database.to_owned(),
            settings: settings
                .iter()
                .filter(|(k, _)| !matches!(*k, "fsync" | "synchronous_commit"))
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            running: false,
        };
        if !cluster.dir.join("data").join("PG_VERSION").exists() {
            let data = cluster.dir.join("data");
            cluster.run(
                "initdb",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-U".as_ref(),
                    "motcua".as_ref(),
                    "--auth=trust".as_ref(),
                    "--encoding=UTF8".as_ref(),
                    "--locale=C".as_ref(),
                    // A throwaway cluster: no need to wait for the disk at
                    // creation. The server itself runs with fsync on.
                    "--no-sync".as_ref(),
                ],
            )?;
        }
        // A free port can be taken between the probe and the server's
        // bind: try a few.
        let mut last = None;
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        if let Some(e) = last {
            return Err(e);
        }
        cluster.running = true;
        cluster.create_database().await?;
        Ok(cluster)
    }

    fn pg_ctl_start(&self) -> Result<(), PgError> {
        let data = self.dir.join("data");
        let log = self.dir.join("postgres.log");
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on \
             -c synchronous_commit=on",
            self.port,
            self.dir.join("socket").display()
        );
        for (name, value) in &self.settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "120".as_ref(),
                "-o".as_ref(),
                options.as_ref(),
                "start".as_ref(),
            ],
        )
        .map(|_| ())
    }

    async fn create_database(&self) -> Result<(), PgError> {
        let (client, connection) = tokio_postgres::connect(
            &format!("postgres://motcua@127.0.0.1:{}/postgres", self.port),
            tokio_postgres::NoTls,
        )
        .await?;
        let task = tokio::spawn(connection);
        let exists = client
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&self.database],
            )
            .await?
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE \"{}\"", self.database))
                .await?;
        }
        drop(client);
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        Ok(())
    }

    /// `postgres://motcua@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self) -> String {
        self.url_for(&self.database)
    }

    /// The URL of another database of the same cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!("postgres://motcua@127.0.0.1:{}/{database}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates another database in the cluster (tests that want a clean
    /// one each).
    pub async fn create(&self, database: &str) -> Result<String, PgError> {
        let (client, connection) =
            tokio_postgres::connect(&self.url(), tokio_postgres::NoTls).await?;
        let task = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE \"{database}\""))
            .await?;
        drop(client);
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        Ok(self.url_for(database))
    }

    /// Stops the server (`pg_ctl stop -m fast`). Idempotent.
    pub fn stop(&mut self) -> Result<(), PgError> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        )
        .map(|_| ())
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<Output, PgError> {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&path);
                c
            }
            None => Command::new(&path),
        };
        command.args(args);
        // A clean locale: initdb reads LANG/LC_* when given no --locale.
        command.env("LC_ALL", "C");
        let output = command.output().map_err(|e| PgError::Command {
            command: path.display().to_string(),
            output: e.to_string(),
        })?;
        if output.status.success() {
            Ok(output)
        } else {
            let log = std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            Err(PgError::Command {
                command: format!(
                    "{program} {}",
                    args.iter()
                        .map(|a| a.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                output: format!(
                    "{}{}\n{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ),
            })
        }
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            eprintln!("motcua-city: could not stop the throwaway PostgreSQL: {err}");
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The `postgres` user's uid and gid.
fn postgres_ids() -> Option<(u32, u32)> {
    let name = std::ffi::CString::new("postgres").ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or NULL; it is
    // read at once, before any other call that could overwrite it.
    unsafe {
        let pw = libc::getpwnam(name.as_ptr());
        if pw.is_null() {
            None
        } else {
            Some(((*pw).pw_uid, (*pw).pw_gid))
        }
    }
}

fn chown(path: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
