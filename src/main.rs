//! The `motcua` binary: parse the command line and hand over to
//! [`motcua::run`]. Everything else lives in the library so that tests can
//! reach it.

use std::process::ExitCode;

fn main() -> ExitCode {
    match motcua::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("motcua: lỗi / error: {err:#}");
            ExitCode::from(2)
        }
    }
}
