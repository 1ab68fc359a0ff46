//! The real kiosk under cage, the compositor the package runs it in
//! (issue 14 item 4a): cage's headless backend with the pixman renderer,
//! the kiosk as a non-root user with its demo configuration and
//! `--fullscreen` as the package starts it, and a `grim` screenshot showing
//! that the home page fills the output — no black band right or below,
//! every home entry visible down to the lower part of the screen — on the
//! landscape output and, rotated, on a portrait one.
//!
//! The headless output of Debian's cage 0.1.4 (wlroots 0.15) is always
//! 1280×720; `cage -r` turns it. The landscape run turns it twice (180°):
//! unturned, cage scans a surface that covers the output straight out
//! instead of composing it, and on the headless backend the screenshot then
//! keeps showing the last composed frame (docs/ARCHITECTURE.md, "The kiosk
//! under cage"). A turned output is always composed, as a real screen's is.
//!
//! `.ci/run` installs cage, grim and xwayland and runs with `CI=true`, where
//! a missing tool fails the test; elsewhere the test says what it skipped.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::have_tool;

/// How long the kiosk may take to draw its first frame (a debug build on a
/// loaded machine starts its embedded hub first) and the compositor to show
/// it at the output's size.
const FIRST_FRAME: Duration = Duration::from_secs(120);

/// Runs commands as a non-root user: `nobody` when the tests run as root
/// (CI containers), else the current user as it is.
struct User {
    uid: Option<u32>,
}

impl User {
    fn non_root() -> Self {
        // SAFETY: getuid has no preconditions and cannot fail.
        let root = unsafe { libc::getuid() } == 0;
        Self {
            uid: root.then(|| {
                let out = Command::new("id").args(["-u", "nobody"]).output().unwrap();
                String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
            }),
        }
    }

    /// `program` with a clean environment: only `env`, for this user.
    fn command(&self, program: &str, env: &[(&str, &Path)], extra: &[(&str, &str)]) -> Command {
        let mut cmd = if self.uid.is_some() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--",
                program,
            ]);
            c
        } else {
            Command::new(program)
        };
        cmd.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    /// Hands `path` to this user.
    fn own(&self, path: &Path) {
        if let Some(uid) = self.uid {
            std::os::unix::fs::chown(path, Some(uid), None).unwrap();
        }
    }
}

/// Kills the compositor (and with it the kiosk) when the test ends.
struct Cage(Child);

impl Drop for Cage {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a pixel is the kiosk's primary blue (a filled button, a
/// button's border, the header), antialiased edges included.
fn blue(p: &[u8]) -> bool {
    p[2] >= 120 && i32::from(p[2]) > i32::from(p[0]) + 60
}

/// Runs of blue pixels down column `x` (start and end rows).
fn blue_runs(pixels: &[u8], (w, h): (usize, usize), x: usize) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for y in 0..h {
        let i = (y * w + x) * 3;
        match (blue(&pixels[i..i + 3]), start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                runs.push((s, y));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, h));
    }
    runs
}

fn decode(path: &Path) -> Option<(usize, usize, Vec<u8>)> {
    let bytes = std::fs::read(path).ok()?;
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        _ => return None,
    };
    Some((info.width as usize, info.height as usize, rgb))
}

/// What the screenshot shows of the home page below its header (the blue
/// band at the output's left edge, where no text is), down the leftmost
/// column with 7 blue runs: just inside the entries' left border, where no
/// text is either — the filled first entry, then the top and bottom
/// borders of the three outlined ones. The column's x and its runs.
fn entry_runs(w: usize, h: usize, pixels: &[u8]) -> Option<(usize, Vec<(usize, usize)>)> {
    let header_end = blue_runs(pixels, (w, h), 0).first()?.1;
    (0..w / 2)
        .map(|x| {
            let below: Vec<_> = blue_runs(pixels, (w, h), x)
                .into_iter()
                .filter(|r| r.0 >= header_end)
                .collect();
            (x, below)
        })
        .find(|(_, runs)| runs.len() >= 7)
}

/// The blue pixels of row `y` to the right of `x`, up to the first other
/// one: where the filled entry ends on the right.
fn blue_until(pixels: &[u8], w: usize, y: usize, x: usize) -> usize {
    (x..w)
        .find(|&x| !blue(&pixels[(y * w + x) * 3..][..3]))
        .unwrap_or(w)
}

/// Whether the screenshot shows the home page filling the output; else
/// what is wrong.
fn fills_output(w: usize, h: usize, pixels: &[u8]) -> Result<(), String> {
    // The page fills the output: no black (nothing drawn) band on the
    // right or at the bottom — no pure black pixel at all, as the kiosk
    // draws none on its home page.
    let black = pixels.chunks(3).filter(|p| p == &[0, 0, 0]).count();
    if black * 1000 >= w * h {
        return Err(format!(
            "{black} black pixels: the page does not fill the output"
        ));
    }
    for (name, x0, x1, y0, y1) in [
        ("right", w * 9 / 10, w, 0, h),
        ("bottom", 0, w, h * 9 / 10, h),
    ] {
        let blank = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (y * w + x) * 3))
            .filter(|&i| pixels[i..i + 3] == [0, 0, 0])
            .count();
        if blank > 0 {
            return Err(format!("{blank} pixels of the {name} band are not drawn"));
        }
    }
    // Every home entry is visible: down the entries' column, below the
    // header, the filled first entry, then the top and bottom borders of three
    // outlined entries; the last one ends in the lower part of the output
    // (the entries share the page's height) and above its edge.
    let Some((x, runs)) = entry_runs(w, h, pixels) else {
        return Err("no column shows 4 entries below the header".to_owned());
    };
    let last = runs.last().map_or(0, |r| r.1);
    if last <= h * 3 / 4 || last >= h {
        return Err(format!(
            "the last entry ends at row {last} of {h}: the page does not fill the output"
        ));
    }
    // The entries end inside the output on the right too: the filled one,
    // on a row above its title.
    let (top, bottom) = runs[0];
    let right = blue_until(pixels, w, top + (bottom - top) / 8, x);
    if right >= w {
        return Err(format!(
            "the first entry runs past the output's right edge (x ≥ {w}): the page is wider than the output"
        ));
    }
    Ok(())
}

/// Runs the kiosk under cage with its output turned `turns` times 90°
/// clockwise and checks the screenshot of an output of `size`; `name`
/// names the screenshot kept with `MOTCUA_CAGE_SHOT=DIR`.
fn kiosk_fills_output(name: &str, turns: usize, size: (usize, usize)) {
    let user = User::non_root();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    // The runtime directory Wayland wants: private to its user.
    let runtime = home.join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    user.own(&home);
    user.own(&runtime);
    let env: [(&str, &Path); 2] = [("HOME", &home), ("XDG_RUNTIME_DIR", &runtime)];

    let kiosk = env!("CARGO_BIN_EXE_motcua");
    let log = std::fs::File::create(home.join("cage.log")).unwrap();
    let _cage = Cage(
        user.command(
            "cage",
            &env,
            &[
                ("WLR_BACKENDS", "headless"),
                ("WLR_RENDERER", "pixman"),
                ("WLR_HEADLESS_OUTPUTS", "1"),
                ("WLR_LIBINPUT_NO_DEVICES", "1"),
                ("MOTCUA_LOG", "warn"),
            ],
        )
        .args(std::iter::repeat_n("-r", turns))
        // As the package runs it (packaging/systemd/motcua-kiosk.service).
        .args(["--", kiosk, "kiosk", "--fullscreen"])
        // The demo configuration: an embedded hub whose database lands here.
        .current_dir(&home)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap(),
    );

    // Poll (bounded) with screenshots until the kiosk's home fills the
    // output: the first frames are the window's opening size, before cage's
    // configure reaches it.
    let shot: PathBuf = home.join("screen.png");
    let deadline = Instant::now() + FIRST_FRAME;
    let mut verdict = Err("no screenshot yet".to_owned());
    while Instant::now() < deadline {
        let socket = std::fs::read_dir(&runtime).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))
        });
        if let Some(socket) = socket {
            let grabbed = user
                .command("grim", &env, &[("WAYLAND_DISPLAY", &socket)])
                .arg(&shot)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if let Some((w, h, pixels)) = grabbed.then(|| decode(&shot)).flatten() {
                assert_eq!((w, h), size, "cage's headless output, turned {turns} times");
                verdict = fills_output(w, h, &pixels);
                if verdict.is_ok() {
                    break;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    // Keep the screenshot when asked, for people to look at.
    if let Ok(keep) = std::env::var("MOTCUA_CAGE_SHOT") {
        let _ = std::fs::copy(&shot, Path::new(&keep).join(format!("{name}.png")));
    }
    if let Err(why) = verdict {
        // Keep the evidence past the temporary directory.
        let kept = std::env::temp_dir().join(format!("motcua-cage-{name}.png"));
        let _ = std::fs::copy(&shot, &kept);
        panic!(
            "{name}: the kiosk's home does not fill cage's {}×{} output within {FIRST_FRAME:?}: {why} (last screenshot {}); cage's log:\n{}",
            size.0,
            size.1,
            kept.display(),
            std::fs::read_to_string(home.join("cage.log")).unwrap_or_default()
        );
    }
}

#[test]
fn the_kiosk_under_cage_fills_a_landscape_and_a_portrait_output_with_every_home_entry() {
    if !have_tool("cage", Command::new("cage").arg("-v"))
        || !have_tool("grim", Command::new("grim").arg("-h"))
    {
        return;
    }
    kiosk_fills_output("landscape-1280x720", 2, (1280, 720));
    kiosk_fills_output("portrait-720x1280", 1, (720, 1280));
}
