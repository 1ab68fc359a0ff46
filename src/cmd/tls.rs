//! `motcua tls init`: the office's own certificate authority and the hub's
//! certificate, so that bearer tokens, PINs and citizens' data cross the
//! office LAN encrypted (`[hub.tls]` on the hub, `ca_file` on each device).
//!
//! Four PEM files in `--dir`: `ca.pem` (copied to every device),
//! `ca-key.pem` (0600; only for making a new hub certificate), `hub.pem`
//! and `hub-key.pem` (0600). Existing files are kept unless `--force`.

use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Datelike;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::cli::{TlsArgs, TlsCommand, TlsInitArgs};

/// The files `tls init` writes, in order.
pub const FILES: [&str; 4] = ["ca.pem", "ca-key.pem", "hub.pem", "hub-key.pem"];

/// Years the authority and the hub's certificate are valid.
const YEARS: i32 = 10;

pub fn run(args: TlsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TlsCommand::Init(args) => init(args),
    }
}

fn init(args: TlsInitArgs) -> anyhow::Result<ExitCode> {
    if !args.force {
        if let Some(existing) = FILES.iter().map(|f| args.dir.join(f)).find(|p| p.exists()) {
            anyhow::bail!(
                "{} đã có; không ghi đè (thêm --force để tạo lại, rồi chép ca.pem mới sang \
                 mọi thiết bị) / {} exists; not overwritten (add --force to make new ones, \
                 then copy the new ca.pem to every device)",
                existing.display(),
                existing.display()
            );
        }
    }
    let mut names = vec!["localhost".to_owned()];
    let host = crate::apps::diagnostics::host_name();
    names.push(host);
    names.extend(args.names.iter().cloned());
    let mut ips: Vec<IpAddr> = vec![
        IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
    ];
    ips.extend(args.ips.iter().copied());
    let mut sans: Vec<String> = Vec::new();
    for san in names
        .into_iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .chain(ips.iter().map(IpAddr::to_string))
    {
        if !san.is_empty() && !sans.contains(&san) {
            sans.push(san);
        }
    }
    let office = make(&sans)?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    write(&args.dir, "ca.pem", &office.ca, 0o644)?;
    write(&args.dir, "ca-key.pem", &office.ca_key, 0o600)?;
    write(&args.dir, "hub.pem", &office.hub, 0o644)?;
    write(&args.dir, "hub-key.pem", &office.hub_key, 0o600)?;
    let dir = args.dir.display();
    println!("Đã tạo / created in {dir}: ca.pem ca-key.pem hub.pem hub-key.pem");
    println!(
        "Tên và địa chỉ của máy chủ / the hub's names and addresses: {}",
        sans.join(", ")
    );
    println!("Máy chủ / on the hub, motcua.toml:");
    println!("  [hub.tls]");
    println!("  cert_file = \"{dir}/hub.pem\"");
    println!("  key_file = \"{dir}/hub-key.pem\"");
    println!("Mỗi thiết bị / on every kiosk, counter and display: copy {dir}/ca.pem, then");
    println!("  hub_url = \"https://<hub>:8686\" and ca_file = \"/etc/motcua/tls/ca.pem\"");
    Ok(ExitCode::SUCCESS)
}

/// The four PEM texts.
pub struct OfficeCerts {
    pub ca: String,
    pub ca_key: String,
    pub hub: String,
    pub hub_key: String,
}

/// An authority and a hub certificate for `sans` (host names and IP
/// addresses).
pub fn make(sans: &[String]) -> anyhow::Result<OfficeCerts> {
    let today = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let (from, until) = (
        rcgen::date_time_ymd(today.year(), today.month() as u8, today.day() as u8),
        rcgen::date_time_ymd(
            today.year() + YEARS,
            today.month() as u8,
            today.day().min(28) as u8,
        ),
    );

    let ca_key = KeyPair::generate().context("making the authority's key")?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "motcua office CA");
    ca.distinguished_name
        .push(DnType::OrganizationName, "motcua");
    ca.not_before = from;
    ca.not_after = until;
    let ca_cert = ca.self_signed(&ca_key).context("signing the authority")?;

    let hub_key = KeyPair::generate().context("making the hub's key")?;
    let mut hub = CertificateParams::new(sans.to_vec()).context("the hub's names and addresses")?;
    hub.distinguished_name = DistinguishedName::new();
    hub.distinguished_name
        .push(DnType::CommonName, "motcua hub");
    hub.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    hub.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    hub.not_before = from;
    hub.not_after = until;
    let hub_cert = hub
        .signed_by(&hub_key, &ca_cert, &ca_key)
        .context("signing the hub's certificate")?;
    Ok(OfficeCerts {
        ca: ca_cert.pem(),
        ca_key: ca_key.serialize_pem(),
        hub: hub_cert.pem(),
        hub_key: hub_key.serialize_pem(),
    })
}

/// Writes `name` in `dir` with `mode`, replacing it (a key is never
/// readable by others, not even for a moment).
fn write(dir: &Path, name: &str, text: &str, mode: u32) -> anyhow::Result<()> {
    let path = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let _ = std::fs::remove_file(&temp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)
        .with_context(|| format!("writing {}", temp.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
