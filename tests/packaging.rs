//! The Debian package and what it installs: the package's contents (read
//! back with `dpkg-deb`), the systemd units (`systemd-analyze verify`) and
//! the udev rules.
//!
//! The package is made by `cargo deb --no-build` from the binary this very
//! `cargo test` built, so what is checked is the package of the code under
//! test, in seconds; a real release (`cargo deb`, profile `dist`) takes a
//! full optimised build. `.ci/run` installs cargo-deb and systemd and runs
//! with `CI=true`, where a missing tool fails the test; on a developer's
//! machine without them the test says what it skipped and passes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::have_tool;

const UNITS: [&str; 3] = [
    "motcua-hub.service",
    "motcua-kiosk.service",
    "motcua-display.service",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The cargo profile that built the binary under test (`target/debug` →
/// `dev`), so cargo-deb packages that binary and no stale one.
fn profile_of_binary_under_test() -> String {
    let exe = Path::new(env!("CARGO_BIN_EXE_motcua"));
    let dir = exe.parent().and_then(|d| d.file_name()).unwrap();
    match dir.to_str().unwrap() {
        "debug" => "dev".to_owned(),
        other => other.to_owned(),
    }
}

/// The `.deb` of the binary under test, built once per test run; `None`
/// when cargo-deb is not installed (outside CI).
fn deb() -> Option<&'static Path> {
    static DEB: OnceLock<Option<PathBuf>> = OnceLock::new();
    DEB.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        if !have_tool("cargo-deb", Command::new(&cargo).args(["deb", "--version"])) {
            return None;
        }
        let out = tempfile::tempdir().unwrap().keep().join("motcua.deb");
        run(Command::new(&cargo)
            .args(["deb", "--no-build", "--fast", "--profile"])
            .arg(profile_of_binary_under_test())
            .arg("--manifest-path")
            .arg(root().join("Cargo.toml"))
            .arg("--output")
            .arg(&out));
        Some(out)
    })
    .as_deref()
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let out = run(Command::new("dpkg-deb").args(args).arg(deb));
    String::from_utf8(out.stdout).unwrap()
}

/// One file of the package's control archive (`postinst`, `conffiles`, …).
fn control_file(deb: &Path, name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("--control")
        .arg(deb)
        .arg(dir.path()));
    std::fs::read_to_string(dir.path().join(name))
        .unwrap_or_else(|e| panic!("the package has no {name}: {e}"))
}

#[test]
fn the_deb_holds_the_binary_units_udev_rules_and_conffiles() {
    let Some(deb) = deb() else { return };

    // `dpkg-deb -c`: mode, owner, size, date, time, path.
    let listing = dpkg_deb(&["--contents"], deb);
    let entries: Vec<(&str, &str)> = listing
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let mode = f.next()?;
            Some((mode, f.nth(4)?))
        })
        .collect();
    let mode_of = |path: &str| {
        entries
            .iter()
            .find(|(_, p)| p.trim_start_matches('.') == path)
            .map(|(m, _)| *m)
            .unwrap_or_else(|| panic!("{path} is not in the package:\n{listing}"))
    };
    assert_eq!(mode_of("/usr/bin/motcua"), "-rwxr-xr-x");
    for unit in UNITS {
        assert_eq!(
            mode_of(&format!("/usr/lib/systemd/system/{unit}")),
            "-rw-r--r--"
        );
    }
    mode_of("/usr/lib/udev/rules.d/60-motcua.rules");
    mode_of("/etc/pam.d/motcua");
    mode_of("/usr/share/doc/motcua/INSTALL.md");
    // The configuration holds bearer tokens: not world-readable.
    assert_eq!(mode_of("/etc/motcua/motcua.toml"), "-rw-r-----");

    let mut conffiles: Vec<String> = control_file(deb, "conffiles")
        .lines()
        .map(str::to_owned)
        .collect();
    conffiles.sort();
    assert_eq!(conffiles, ["/etc/motcua/motcua.toml", "/etc/pam.d/motcua"]);

    let control = dpkg_deb(&["--field"], deb);
    let field = |name: &str| {
        control
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
            .unwrap_or_default()
    };
    assert_eq!(field("Package"), "motcua");
    assert!(field("Depends").contains("libc6"), "{}", field("Depends"));
    assert!(field("Recommends").contains("cage"));

    // The service user, in dialout for the serial devices, and the units'
    // upgrade handling spliced in where #DEBHELPER# stood.
    let postinst = control_file(deb, "postinst");
    assert!(postinst.contains("useradd --system"), "{postinst}");
    assert!(postinst.contains("--groups dialout motcua"), "{postinst}");
    assert!(postinst.contains("install -d -o motcua -g motcua -m 0750 /var/lib/motcua"));
    assert!(!postinst.contains("#DEBHELPER#"));
    for unit in UNITS {
        assert!(
            postinst.contains(&format!("deb-systemd-invoke try-restart {unit}")),
            "{unit} is not restarted after upgrades"
        );
    }
    assert!(control_file(deb, "prerm").contains("deb-systemd-invoke stop"));

    // What is installed is byte for byte what is in packaging/, and the
    // binary is the one under test.
    let tree = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("--extract")
        .arg(deb)
        .arg(tree.path()));
    let installed = |path: &str| std::fs::read(tree.path().join(path)).unwrap();
    let source = |path: &str| std::fs::read(root().join(path)).unwrap();
    assert_eq!(
        installed("etc/motcua/motcua.toml"),
        source("packaging/motcua.toml")
    );
    assert_eq!(
        installed("etc/pam.d/motcua"),
        source("packaging/pam/motcua")
    );
    assert_eq!(
        installed("usr/lib/udev/rules.d/60-motcua.rules"),
        source("packaging/udev/60-motcua.rules")
    );
    for unit in UNITS {
        assert_eq!(
            installed(&format!("usr/lib/systemd/system/{unit}")),
            source(&format!("packaging/systemd/{unit}")),
            "{unit}"
        );
    }
    let version = |exe: &Path| run(Command::new(exe).arg("--version")).stdout;
    assert_eq!(
        version(&tree.path().join("usr/bin/motcua")),
        version(Path::new(env!("CARGO_BIN_EXE_motcua")))
    );
}

/// A root with the units installed as the package installs them, the
/// motcua binary, and cage: what `systemd-analyze verify --root` needs.
fn unit_root() -> tempfile::TempDir {
    let tree = tempfile::tempdir().unwrap();
    let units = tree.path().join("usr/lib/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    // The units reach systemd's own (sysinit.target, getty@.service, …).
    let host_units = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .map(Path::new)
        .find(|d| d.is_dir())
        .expect("systemd's own units");
    for entry in std::fs::read_dir(host_units).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), units.join(entry.file_name())).unwrap();
        }
    }
    for unit in UNITS {
        std::fs::copy(
            root().join("packaging/systemd").join(unit),
            units.join(unit),
        )
        .unwrap();
    }
    let bin = tree.path().join("usr/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let motcua = Path::new(env!("CARGO_BIN_EXE_motcua"));
    if std::fs::hard_link(motcua, bin.join("motcua")).is_err() {
        std::fs::copy(motcua, bin.join("motcua")).unwrap();
    }
    // cage is a dependency, not part of the package: the real one when this
    // machine has it, otherwise an executable stand-in at its path.
    let cage = bin.join("cage");
    if std::fs::copy("/usr/bin/cage", &cage).is_err() {
        std::fs::write(&cage, "#!/bin/sh\nexec \"$@\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cage, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    tree
}

/// `systemd-analyze verify` of `units` under `root`: its complaints, if
/// any. It exits 0 on warnings such as an unknown key, so anything it says
/// counts.
fn verify(root: &Path, units: &[&str]) -> String {
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(format!("--root={}", root.display()))
        .args(units)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        said
    } else {
        format!("exit {}: {said}", out.status)
    }
}

#[test]
fn every_systemd_unit_passes_systemd_analyze_verify() {
    if !have_tool(
        "systemd-analyze",
        Command::new("systemd-analyze").arg("--version"),
    ) {
        return;
    }
    let tree = unit_root();
    assert_eq!(verify(tree.path(), &UNITS), "");

    // The check can fail: a misspelt key is reported.
    let hub = tree
        .path()
        .join("usr/lib/systemd/system/motcua-hub.service");
    let text = std::fs::read_to_string(&hub).unwrap();
    std::fs::write(&hub, text.replace("Restart=always", "Restrat=always")).unwrap();
    assert!(verify(tree.path(), &["motcua-hub.service"]).contains("Restrat"));
}

/// `Key=value` lines of a unit's section, in order.
fn unit_settings(unit: &str, section: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("packaging/systemd").join(unit)).unwrap();
    let mut current = String::new();
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            current = line.trim_matches(['[', ']']).to_owned();
        } else if let Some((k, v)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            if current == section {
                settings.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    settings
}

fn setting(unit: &str, key: &str) -> String {
    unit_settings(unit, "Service")
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{unit} has no {key}="))
}

#[test]
fn units_restart_what_hangs_and_keep_the_database_in_the_state_directory() {
    assert_eq!(setting("motcua-hub.service", "Type"), "notify");
    assert_eq!(setting("motcua-hub.service", "Restart"), "always");
    assert_eq!(setting("motcua-hub.service", "ProtectSystem"), "strict");
    assert_eq!(setting("motcua-hub.service", "NoNewPrivileges"), "yes");
    assert_eq!(setting("motcua-hub.service", "StateDirectory"), "motcua");
    // Under ProtectSystem=strict the state directory is the one writable
    // place: the example configuration must keep the database there.
    let config = motcua::config::Config::load(Some(&root().join("packaging/motcua.toml"))).unwrap();
    assert!(config.hub.database.starts_with("/var/lib/motcua"));
    for unit in UNITS {
        let exec = setting(unit, "ExecStart");
        assert!(
            exec.contains("/usr/bin/motcua --config /etc/motcua/motcua.toml "),
            "{unit}: {exec}"
        );
        assert_eq!(setting(unit, "Type"), "notify", "{unit}");
        assert_eq!(setting(unit, "Restart"), "always", "{unit}");
        assert!(!setting(unit, "WatchdogSec").is_empty());
    }
    for (unit, command) in [
        ("motcua-kiosk.service", "kiosk"),
        ("motcua-display.service", "display"),
    ] {
        let exec = setting(unit, "ExecStart");
        assert!(
            exec.starts_with("/usr/bin/cage -- /usr/bin/motcua"),
            "{exec}"
        );
        assert!(exec.contains(&format!(" {command}")), "{exec}");
        // The app, cage's child, sends the notifications.
        assert_eq!(setting(unit, "NotifyAccess"), "all", "{unit}");
        assert_eq!(setting(unit, "TTYPath"), "/dev/tty1", "{unit}");
    }
}

/// The `KEY op "value"` items of one udev rule line.
fn udev_items(line: &str) -> Vec<(String, String, String)> {
    line.split(", ")
        .map(|item| {
            let at = item
                .find(['=', '!', '+', ':'])
                .unwrap_or_else(|| panic!("no operator in {item:?}"));
            let (key, rest) = item.split_at(at);
            let quote = rest
                .find('"')
                .unwrap_or_else(|| panic!("unquoted {item:?}"));
            let (op, value) = rest.split_at(quote);
            assert!(value.len() >= 2 && value.ends_with('"'), "{item:?}");
            (
                key.to_owned(),
                op.to_owned(),
                value[1..value.len() - 1].to_owned(),
            )
        })
        .collect()
}

#[test]
fn udev_rules_name_known_printers_and_scanners_by_usb_id_and_install_md_lists_them() {
    let rules = std::fs::read_to_string(root().join("packaging/udev/60-motcua.rules")).unwrap();
    let install = std::fs::read_to_string(root().join("docs/INSTALL.md")).unwrap();
    let mut named = 0;
    for line in rules
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let items = udev_items(line);
        for (key, op, _) in &items {
            let known = [
                "ACTION",
                "SUBSYSTEM",
                "GOTO",
                "LABEL",
                "ATTRS{idVendor}",
                "ATTRS{idProduct}",
                "SYMLINK",
                "ENV{ID_MM_DEVICE_IGNORE}",
                "GROUP",
                "MODE",
            ];
            assert!(
                known.contains(&key.as_str()),
                "unexpected key {key} in {line}"
            );
            assert!(["==", "!=", "=", "+="].contains(&op.as_str()), "{line}");
        }
        let get = |k: &str| {
            items
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|(_, _, v)| v.as_str())
        };
        let Some(link) = get("SYMLINK") else { continue };
        named += 1;
        assert!(
            ["motcua-printer", "motcua-scanner"].contains(&link),
            "{line}"
        );
        let (vid, pid) = (
            get("ATTRS{idVendor}").unwrap(),
            get("ATTRS{idProduct}").unwrap(),
        );
        for id in [vid, pid] {
            assert!(
                id.len() == 4
                    && id
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "USB ids are 4 lower-case hex digits (as sysfs writes them): {line}"
            );
        }
        assert_eq!(get("ENV{ID_MM_DEVICE_IGNORE}"), Some("1"), "{line}");
        assert_eq!(get("GROUP"), Some("dialout"), "{line}");
        assert!(
            install.contains(&format!("{vid}:{pid}")),
            "docs/INSTALL.md does not list {vid}:{pid}"
        );
    }
    assert!(named >= 2, "no rule names a device");
    assert!(rules.contains("GOTO=\"motcua_end\"") && rules.contains("LABEL=\"motcua_end\""));
}

#[test]
fn every_unit_raises_the_open_file_limit() {
    for unit in UNITS {
        let text = std::fs::read_to_string(root().join("packaging/systemd").join(unit)).unwrap();
        let service = text.split("[Service]").nth(1).unwrap_or_default();
        let service = service.split("\n[").next().unwrap_or_default();
        assert!(
            service.lines().any(|l| l.trim() == "LimitNOFILE=65536"),
            "{unit}: no LimitNOFILE=65536 in [Service]"
        );
    }
}
