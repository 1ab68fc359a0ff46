//! The city's Debian package: built by `cargo deb --no-build` from the
//! binary this `cargo test` built, read back with `dpkg-deb`, its unit
//! checked with `systemd-analyze verify`. As in the kiosk's packaging test
//! (`tests/packaging.rs` of the workspace), a missing tool fails under
//! `CI=true` (`.ci/run`) and skips elsewhere.

use std::path::Path;
use std::process::Command;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn have_tool(name: &str, probe: &mut Command) -> bool {
    if probe.output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        !in_ci(),
        "{name} is not installed; .ci/run installs it before the tests"
    );
    eprintln!("SKIPPED: {name} is not installed here (CI installs it and runs this test)");
    false
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

#[test]
fn the_city_deb_holds_the_binary_its_unit_and_a_private_configuration() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    if !have_tool("cargo-deb", Command::new(&cargo).args(["deb", "--version"])) {
        return;
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_motcua-city"));
    let profile = match exe
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str())
    {
        Some("debug") | None => "dev".to_owned(),
        Some(other) => other.to_owned(),
    };
    let dir = tempfile::tempdir().unwrap();
    let deb = dir.path().join("motcua-city.deb");
    run(Command::new(&cargo)
        .args(["deb", "--no-build", "--fast", "--profile", &profile])
        .arg("--manifest-path")
        .arg(manifest_dir().join("Cargo.toml"))
        .arg("--output")
        .arg(&deb));

    let listing =
        String::from_utf8(run(Command::new("dpkg-deb").arg("--contents").arg(&deb)).stdout)
            .unwrap();
    let mode_of = |path: &str| {
        listing
            .lines()
            .find_map(|l| {
                let mut f = l.split_whitespace();
                let mode = f.next()?;
                (f.nth(4)?.trim_start_matches('.') == path).then(|| mode.to_owned())
            })
            .unwrap_or_else(|| panic!("{path} is not in the package:\n{listing}"))
    };
    assert_eq!(mode_of("/usr/bin/motcua-city"), "-rwxr-xr-x");
    assert_eq!(
        mode_of("/usr/lib/systemd/system/motcua-city.service"),
        "-rw-r--r--"
    );
    // Tokens live in the configuration: not world-readable.
    assert_eq!(mode_of("/etc/motcua-city/motcua-city.toml"), "-rw-r-----");

    let control =
        String::from_utf8(run(Command::new("dpkg-deb").arg("--field").arg(&deb)).stdout).unwrap();
    assert!(control.contains("Package: motcua-city"), "{control}");
    assert!(control.contains("Recommends: postgresql"), "{control}");
    let meta = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("--control")
        .arg(&deb)
        .arg(meta.path()));
    let postinst = std::fs::read_to_string(meta.path().join("postinst")).unwrap();
    assert!(postinst.contains("useradd --system"), "{postinst}");
    assert!(
        postinst.contains("try-restart motcua-city.service"),
        "{postinst}"
    );
    assert!(!postinst.contains("#DEBHELPER#"));
    let conffiles = std::fs::read_to_string(meta.path().join("conffiles")).unwrap();
    assert_eq!(conffiles.trim(), "/etc/motcua-city/motcua-city.toml");

    // The binary packaged is the one under test.
    let tree = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("--extract")
        .arg(&deb)
        .arg(tree.path()));
    let version = |exe: &Path| run(Command::new(exe).arg("--version")).stdout;
    assert_eq!(
        version(&tree.path().join("usr/bin/motcua-city")),
        version(exe)
    );
    assert_eq!(
        std::fs::read(tree.path().join("etc/motcua-city/motcua-city.toml")).unwrap(),
        std::fs::read(manifest_dir().join("packaging/motcua-city.toml")).unwrap()
    );

    // systemd accepts the unit as installed.
    if !have_tool(
        "systemd-analyze",
        Command::new("systemd-analyze").arg("--version"),
    ) {
        return;
    }
    let units = tree.path().join("usr/lib/systemd/system");
    for host in ["/usr/lib/systemd/system", "/lib/systemd/system"] {
        if let Ok(entries) = std::fs::read_dir(host) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    let _ = std::fs::copy(entry.path(), units.join(entry.file_name()));
                }
            }
            break;
        }
    }
    let verify = |root: &Path| {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(format!("--root={}", root.display()))
            .arg("motcua-city.service")
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    assert_eq!(verify(tree.path()), "");
    // The check can fail: a misspelt key is reported.
    let unit = units.join("motcua-city.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    std::fs::write(&unit, text.replace("Restart=always", "Restrat=always")).unwrap();
    assert!(verify(tree.path()).contains("Restrat"));
}
