//! `motcua diag ports|print-sample|print-probe|parse-id|printer-status` and
//! `motcua emulate printer|scanner`: thin command-line front ends over the
//! `motcua-drivers` crate.

use std::process::ExitCode;

use crate::cli::{DiagArgs, EmulateArgs};
use crate::config::Config;

/// `motcua diag [SUBCOMMAND]`.
pub fn diag(_config: &Config, _args: DiagArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("diag: not built yet")
}

/// `motcua emulate printer|scanner`.
pub fn emulate(_args: EmulateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("emulate: not built yet")
}
