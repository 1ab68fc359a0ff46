//! `motcua diag announce` (the hall voice, for technicians) and
//! `motcua hash-pin` (officers' PINs for the configuration).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::apps::voice::{open_default_sink, voice_from_config, Announcer, Plan};
use crate::cli::AnnounceArgs;
use crate::config::Config;
use crate::domain::announce::Announcement;

/// `motcua diag announce --number A012 --counter 3 [--dry-run]`: prints the
/// sentence, the text the speech program reads and the clip names, then
/// plays the announcement as the hall display would (chime, voice, repeat).
pub fn announce(config: &Config, args: &AnnounceArgs) -> anyhow::Result<ExitCode> {
    let a = Announcement::call(&args.number, args.counter).with_context(|| {
        format!(
            "cannot announce {} at counter {}",
            args.number, args.counter
        )
    })?;
    let voice = &config.display.voice;
    println!("{}", a.sentence);
    println!("đọc / spoken: {}", a.spoken);
    println!("clips: {}", a.clips().join(" "));
    println!(
        "giọng / voice: {:?}, chuông / chime: {}, lặp / repeat: {}",
        voice.backend, voice.chime, voice.repeat
    );
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let volume = voice.volume;
    let announcer = Announcer::start(
        Plan::from_config(voice),
        voice_from_config(voice),
        Box::new(move || open_default_sink(volume)),
    );
    announcer.announce(a);
    // Chime + two sentences is well under a minute; a hung device is not.
    if !announcer.wait_idle(Duration::from_secs(120)) {
        anyhow::bail!("the announcement did not finish within 2 minutes");
    }
    println!("đã phát / played");
    Ok(ExitCode::SUCCESS)
}

/// `motcua hash-pin`: reads a PIN (4–12 digits) from standard input and
/// prints its argon2id hash for `pin_hash` in `[[staff]]`. The PIN is never
/// an argument, so it stays out of shell history and process lists.
pub fn hash_pin() -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("PIN (4–12 chữ số / digits): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let pin = line.trim_end_matches(['\r', '\n']);
    let hash = crate::pin::hash_pin(pin).context("mã PIN / PIN")?;
    println!("{hash}");
    Ok(ExitCode::SUCCESS)
}
