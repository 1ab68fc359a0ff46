//! The `motcua-city` binary: parse the command line and hand over to
//! [`motcua_city::run`]. Everything else lives in the library so that tests
//! and benchmarks can reach it.

use std::process::ExitCode;

fn main() -> ExitCode {
    match motcua_city::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("motcua-city: lỗi / error: {err:#}");
            ExitCode::from(2)
        }
    }
}
