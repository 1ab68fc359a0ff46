//! Command-line definitions (clap). One binary, one subcommand per role.
//!
//! Keep flag names stable: technicians' scripts, packaging units and checks
//! outside the test suite call them exactly as written in the issues.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kiosk, counter and hall-display software for one-stop offices.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Without one, motcua runs a demo office on
    /// loopback with the documented demo tokens.
    #[arg(long, global = true, env = "MOTCUA_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The citizen's touchscreen kiosk (the default command).
    Kiosk(KioskArgs),
    /// Run the office hub: queue, dossiers and events over HTTP (/api/v1).
    Hub(HubArgs),
    /// Print a day's report per service and per counter.
    Report(ReportArgs),
    /// The officer's counter app: call, serve, transfer, reprint, ratings.
    Counter(CounterArgs),
    /// The hall board: calls, waiting counts, clock, voice announcements.
    Display(DisplayArgs),
    /// Hash a PIN (read from standard input) for `[[staff]]` `pin_hash` or
    /// `kiosk.technician_pin_hash` in the configuration.
    HashPin,
    /// Run a public service portal sandbox (demos, training, tests).
    PortalSandbox(PortalSandboxArgs),
    /// Technician checks and device tools.
    Diag(DiagArgs),
    /// Device emulators on pseudo-terminals, for tests, demos and training.
    Emulate(EmulateArgs),
    /// Copy the hub database to a file, safely while the hub runs.
    Backup(BackupArgs),
    /// Replace the hub database with a backup (the hub must be stopped).
    Restore(RestoreArgs),
    /// HTTPS between the devices of the office: certificates.
    Tls(TlsArgs),
}

/// `motcua tls`.
#[derive(Debug, Args)]
pub struct TlsArgs {
    #[command(subcommand)]
    pub command: TlsCommand,
}

#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Create the office's certificate authority (ca.pem, ca-key.pem) and
    /// the hub's certificate (hub.pem, hub-key.pem) for its names and
    /// addresses: localhost, 127.0.0.1, this machine's host name, and any
    /// given with --name and --ip.
    Init(TlsInitArgs),
}

#[derive(Debug, Args)]
pub struct TlsInitArgs {
    /// The folder for the four files, e.g. /etc/motcua/tls.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Another host name the kiosks, counters and displays use for the hub
    /// (repeatable), e.g. --name hub.motcua.lan.
    #[arg(long = "name", value_name = "HOST")]
    pub names: Vec<String>,
    /// Another address of the hub (repeatable), e.g. --ip 10.0.0.2.
    #[arg(long = "ip", value_name = "ADDR")]
    pub ips: Vec<std::net::IpAddr>,
    /// Replace existing files (every device must then be given the new
    /// ca.pem).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Default)]
pub struct KioskArgs {
    /// Render every page (both orientations, both languages) to PNG files
    /// in DIR with the software renderer, then exit.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Fill the screen (overrides `kiosk.fullscreen`).
    #[arg(long)]
    pub fullscreen: bool,
    /// Force a portrait or landscape layout (default: the window's aspect
    /// ratio; `kiosk.orientation` sets the size a window opens at).
    #[arg(long, value_enum)]
    pub orientation: Option<OrientationArg>,
    /// Use this hub instead of the configured or embedded one.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,
    /// Without a display, write the current screen to this PNG file
    /// (default: motcua-screen.png in the working directory).
    #[arg(long, value_name = "PATH")]
    pub screen_file: Option<PathBuf>,
    /// Read the ID-card/QR scanner on this serial port (a path, or
    /// usb:VID:PID) instead of the configured one or the demo's emulator;
    /// e.g. a pseudo-terminal of `motcua emulate scanner`.
    #[arg(long, value_name = "PORT")]
    pub scanner: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OrientationArg {
    Portrait,
    Landscape,
}

#[derive(Debug, Args, Default)]
pub struct HubArgs {
    /// Address to listen on (overrides `hub.listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// SQLite database file (overrides `hub.database`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Public service portal the outbox delivers dossiers to (overrides
    /// `filing.portal_url`). Without one, the portal sandbox runs in-process.
    #[arg(long, value_name = "URL")]
    pub portal: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct PortalSandboxArgs {
    /// Address to listen on (default 127.0.0.1:8687).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// The sandbox's own SQLite database (default ./motcua-portal-sandbox.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Seconds per status step (received → processing → result ready);
    /// 0: statuses change only through POST /sandbox/dossiers/{ref}/status.
    #[arg(long, value_name = "SECONDS")]
    pub pace: Option<u64>,
    /// Every N-th dossier ends in "supplement requested" (0: never; default 10).
    #[arg(long, value_name = "N")]
    pub supplement_every: Option<u32>,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy: a file (replaced atomically), or a folder
    /// (existing, or ending in `/`) that gets `motcua-YYYYMMDD-HHMMSS.db`.
    #[arg(long, value_name = "PATH")]
    pub to: PathBuf,
    /// SQLite database file (overrides `hub.database`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file written by `motcua backup`).
    #[arg(long, value_name = "PATH")]
    pub from: PathBuf,
    /// SQLite database file (overrides `hub.database`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Restore even though a hub has the database open. That hub keeps
    /// writing to the old file, which is kept: restart it at once.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ReportFormat {
    #[default]
    Table,
    Csv,
    /// Ratings per counter and per officer, as CSV.
    RatingsCsv,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Business date in office local time, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// SQLite database file (overrides `hub.database`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `motcua diag`: without a subcommand, every check.
#[derive(Debug, Args)]
pub struct DiagArgs {
    #[command(subcommand)]
    pub command: Option<DiagCommand>,
    /// Print the checks as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sources: DiagSources,
}

/// What `motcua diag` and `motcua diag bundle` check. Each defaults to the
/// configuration: `[kiosk]` printer and scanner, `kiosk.hub_url` (or this
/// machine's hub at `hub.listen`, with its `hub.database`), `filing.portal_url`.
#[derive(Debug, Args, Default, Clone)]
pub struct DiagSources {
    /// The hub's base URL, e.g. http://10.0.0.2:8686.
    #[arg(long, value_name = "URL", global = true)]
    pub hub: Option<String>,
    /// A technician token for the hub's diagnostics, outbox and bundle
    /// upload (default: `kiosk.technician_token` or the first technician
    /// token of `[[tokens]]`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MOTCUA_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// The hub's SQLite database on this machine (integrity, size, free
    /// disk, the outbox even when the hub is down).
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
    /// The public service portal's base URL.
    #[arg(long, value_name = "URL", global = true)]
    pub portal: Option<String>,
    /// The printer's serial port (a path, or usb:VID:PID).
    #[arg(long, value_name = "PORT", global = true)]
    pub printer: Option<String>,
    /// The scanner's serial port (a path, or usb:VID:PID).
    #[arg(long, value_name = "PORT", global = true)]
    pub scanner: Option<String>,
    /// Seconds to wait for a scan on the scanner port (scan a card now).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.3, global = true)]
    pub scan_wait: f64,
}

/// `motcua diag bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Write the bundle here: a file, or a folder (a USB stick) that gets
    /// `motcua-support-<machine>-<time>.tar`.
    #[arg(long, value_name = "PATH")]
    pub to: Option<PathBuf>,
    /// Send the bundle to the hub (`POST /api/v1/support-bundles`).
    #[arg(long)]
    pub upload: bool,
}

#[derive(Debug, Subcommand)]
pub enum DiagCommand {
    /// List serial ports with USB vendor/product IDs, serial number and description.
    Ports {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a sample Vietnamese queue ticket with a QR code.
    PrintSample(PrintSampleArgs),
    /// Print the code-page probe page: one Vietnamese line per text mode and code page.
    PrintProbe(PrinterPortArgs),
    /// Read scanner lines from stdin and print one JSON object per line.
    ParseId,
    /// Type key sequences with the on-screen keyboard's engine: one per line
    /// on stdin, the text (NFC) per line on stdout.
    Type(crate::cmd::typing::TypeArgs),
    /// Ask a printer for its real-time status.
    PrinterStatus(PrinterPortArgs),
    /// Write a support bundle (configuration without secrets, recent logs,
    /// every check as JSON) to a path or to the hub.
    Bundle(BundleArgs),
    /// Print the hall announcement of a call and play it (chime + voice).
    Announce(AnnounceArgs),
}

#[derive(Debug, Args, Clone)]
pub struct AnnounceArgs {
    /// The ticket number, e.g. A012.
    #[arg(long, value_name = "NUMBER")]
    pub number: String,
    /// The counter number.
    #[arg(long, value_name = "N")]
    pub counter: u32,
    /// Print the sentence, the spoken text and the clip names; play nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args, Default)]
pub struct CounterArgs {
    /// The counter (quầy) this machine serves (overrides `counter.number`).
    #[arg(long, value_name = "N")]
    pub counter: Option<u32>,
    /// Use this hub instead of the configured one.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,
    /// Render every page to PNG files in DIR with the software renderer,
    /// then exit.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Fill the screen (overrides `counter.fullscreen`).
    #[arg(long)]
    pub fullscreen: bool,
    /// Without a display, write the current screen to this PNG file
    /// (default: motcua-counter.png in the working directory).
    #[arg(long, value_name = "PATH")]
    pub screen_file: Option<PathBuf>,
}

#[derive(Debug, Args, Default)]
pub struct DisplayArgs {
    /// Use this hub instead of the configured one.
    #[arg(long, value_name = "URL")]
    pub hub: Option<String>,
    /// Render every state of the board to PNG files in DIR with the
    /// software renderer, then exit.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Run in a window instead of full screen.
    #[arg(long)]
    pub windowed: bool,
    /// No sound (overrides `display.voice.backend`).
    #[arg(long)]
    pub mute: bool,
    /// Without a display, write the current screen to this PNG file
    /// (default: motcua-display.png in the working directory).
    #[arg(long, value_name = "PATH")]
    pub screen_file: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct PrinterPortArgs {
    /// Serial port path, e.g. /dev/ttyUSB0 or /dev/motcua-printer.
    #[arg(long, value_name = "PATH")]
    pub port: PathBuf,
    #[arg(long, default_value_t = 9600)]
    pub baud: u32,
    /// Paper width in millimetres.
    #[arg(long, default_value_t = 80, value_parser = parse_paper)]
    pub paper: u32,
    /// How long to wait for each status reply, in milliseconds (raise it for
    /// a slow USB-serial adapter or a busy machine).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub timeout_ms: u64,
}

#[derive(Debug, Args, Clone)]
pub struct PrintSampleArgs {
    #[command(flatten)]
    pub printer: PrinterPortArgs,
    /// Vietnamese text mode: tcvn3, cp1258, raster or glyphs.
    #[arg(long, value_name = "MODE")]
    pub text_mode: String,
    /// Code page number for `ESC t n` (vendor specific).
    #[arg(long, value_name = "N")]
    pub code_page: Option<u8>,
    /// What to print: the queue ticket or a full dossier receipt.
    #[arg(long, value_name = "DOC", default_value = "ticket")]
    pub document: String,
    /// Send the QR code as an image (for printers without `GS ( k`).
    #[arg(long)]
    pub raster_qr: bool,
}

#[derive(Debug, Args)]
pub struct EmulateArgs {
    #[command(subcommand)]
    pub device: EmulateDevice,
}

#[derive(Debug, Subcommand)]
pub enum EmulateDevice {
    /// An ESC/POS printer on a pseudo-terminal that writes receipts as PNG + text.
    Printer(EmulatePrinterArgs),
    /// A serial scanner on a pseudo-terminal that sends lines from stdin or a file.
    Scanner(EmulateScannerArgs),
}

#[derive(Debug, Args)]
pub struct EmulatePrinterArgs {
    /// Folder where each received receipt is written (PNG + transcript).
    #[arg(long, value_name = "DIR", default_value = "motcua-receipts")]
    pub out: PathBuf,
    /// Paper width in millimetres.
    #[arg(long, default_value_t = 80, value_parser = parse_paper)]
    pub paper: u32,
    /// Start with a fault switched on: paper-out, cover-open, offline, stall.
    #[arg(long, value_name = "FAULT")]
    pub fault: Option<String>,
    /// Keep a symlink to the pseudo-terminal at this path (like a udev rule).
    #[arg(long, value_name = "PATH")]
    pub link: Option<PathBuf>,
    /// `ESC t` number the emulated printer takes for TCVN-3 lower case
    /// (capitals: the next number).
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub tcvn3_page: u8,
    /// `ESC t` number the emulated printer takes for Windows-1258.
    #[arg(long, value_name = "N", default_value_t = 52)]
    pub cp1258_page: u8,
}

#[derive(Debug, Args)]
pub struct EmulateScannerArgs {
    /// Read lines from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Line terminator to send: cr, lf or crlf.
    #[arg(long, default_value = "crlf")]
    pub terminator: String,
    /// Type into this port instead of opening a pseudo-terminal of its own:
    /// the path a demo kiosk prints as its emulated scanner (or any serial
    /// port). Sends each line of standard input (or `--file`); with none
    /// (standard input a terminal, or empty), a sample CCCD QR code. Exits
    /// when done.
    #[arg(long, value_name = "PATH")]
    pub into: Option<PathBuf>,
}

/// Paper widths the printers we support use, in millimetres.
fn parse_paper(s: &str) -> Result<u32, String> {
    match s {
        "58" => Ok(58),
        "80" => Ok(80),
        _ => Err("paper width must be 58 or 80 (mm)".to_owned()),
    }
}

impl From<CounterArgs> for crate::apps::counter::app::CounterOptions {
    fn from(a: CounterArgs) -> Self {
        Self {
            counter: a.counter,
            hub: a.hub,
            snapshot: a.snapshot,
            fullscreen: a.fullscreen,
            screen_file: a.screen_file,
        }
    }
}

impl From<DisplayArgs> for crate::apps::display::app::DisplayOptions {
    fn from(a: DisplayArgs) -> Self {
        Self {
            hub: a.hub,
            snapshot: a.snapshot,
            windowed: a.windowed,
            mute: a.mute,
            screen_file: a.screen_file,
        }
    }
}
