//! A Slint platform without a display: the software renderer into memory.
//!
//! Used by `--snapshot DIR` (render every page to PNG and exit) and by the
//! kiosk on a machine with no display server, where it runs a small event
//! loop and keeps the current screen in a PNG file that a technician (or a
//! new user on a headless box) can open.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{PhysicalSize, PlatformError, Rgb8Pixel};

enum Event {
    Task(Box<dyn FnOnce() + Send>),
    Quit,
}

#[derive(Clone, Default)]
struct Queue(Arc<(Mutex<VecDeque<Event>>, Condvar)>);

impl Queue {
    fn push(&self, e: Event) {
        let (lock, cond) = &*self.0;
        lock.lock().unwrap_or_else(|p| p.into_inner()).push_back(e);
        cond.notify_one();
    }
}

impl EventLoopProxy for Queue {
    fn quit_event_loop(&self) -> Result<(), slint::EventLoopError> {
        self.push(Event::Quit);
        Ok(())
    }

    fn invoke_from_event_loop(
        &self,
        event: Box<dyn FnOnce() + Send>,
    ) -> Result<(), slint::EventLoopError> {
        self.push(Event::Task(event));
        Ok(())
    }
}

/// Whether a display server is there to open a window on (otherwise the
/// apps fall back to [`Headless`]).
pub fn has_display() -> bool {
    cfg!(feature = "kms")
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The headless platform; install with [`Headless::install`].
pub struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    queue: Queue,
    screen_file: Option<PathBuf>,
}

/// A handle to the headless window, kept by whoever renders.
#[derive(Clone)]
pub struct HeadlessWindow {
    window: Rc<MinimalSoftwareWindow>,
}

impl Headless {
    /// Installs the platform on this thread. With `screen_file`, the event
    /// loop writes every new frame there as PNG. Without it the platform
    /// only renders on demand (snapshots, tests) and offers no event-loop
    /// proxy: Slint keeps that proxy once per process, so a second
    /// rendering platform in the same process (another test's thread)
    /// could not be installed.
    pub fn install(screen_file: Option<PathBuf>) -> Result<HeadlessWindow, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        let handle = HeadlessWindow {
            window: Rc::clone(&window),
        };
        slint::platform::set_platform(Box::new(Headless {
            window,
            queue: Queue::default(),
            screen_file,
        }))
        .map_err(|e| PlatformError::Other(e.to_string()))?;
        Ok(handle)
    }
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        // Only a platform whose event loop runs (the headless app) hands
        // events in from other threads.
        self.screen_file
            .is_some()
            .then(|| Box::new(self.queue.clone()) as Box<dyn EventLoopProxy>)
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        let handle = HeadlessWindow {
            window: Rc::clone(&self.window),
        };
        loop {
            slint::platform::update_timers_and_animations();
            if let Some(path) = &self.screen_file {
                if let Some(png) = handle.render_if_needed() {
                    write_atomically(path, &png);
                }
            }
            let wait = slint::platform::duration_until_next_timer_update()
                .unwrap_or(Duration::from_secs(1));
            let (lock, cond) = &*self.queue.0;
            let mut events = lock.lock().unwrap_or_else(|p| p.into_inner());
            if events.is_empty() {
                events = cond
                    .wait_timeout(events, wait)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
            let batch: Vec<Event> = events.drain(..).collect();
            drop(events);
            for event in batch {
                match event {
                    Event::Task(task) => task(),
                    Event::Quit => return Ok(()),
                }
            }
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("png.tmp");
    if std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .is_err()
    {
        tracing::warn!(path = %path.display(), "cannot write the screen image");
    }
}

impl HeadlessWindow {
    /// Sets the window size in physical pixels (scale factor 1).
    pub fn set_size(&self, width: u32, height: u32) {
        self.window.set_size(PhysicalSize::new(width, height));
    }

    /// Renders the current frame to PNG bytes, whether or not anything changed.
    pub fn render_png(&self) -> Vec<u8> {
        self.window.request_redraw();
        self.render_if_needed().unwrap_or_default()
    }

    fn render_if_needed(&self) -> Option<Vec<u8>> {
        let size = self.window.size();
        let (w, h) = (size.width as usize, size.height as usize);
        if w == 0 || h == 0 {
            return None;
        }
        // The frame buffer only when there is something to draw: the loop
        // asks every turn.
        let mut png = None;
        self.window.draw_if_needed(|renderer| {
            let mut pixels = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; w * h];
            renderer.render(&mut pixels, w);
            png = Some(encode_png(&pixels, w, h));
        });
        png
    }

    /// Renders the current frame into RGB pixels.
    pub fn render_rgb(&self) -> (usize, usize, Vec<Rgb8Pixel>) {
        let size = self.window.size();
        let (w, h) = (size.width as usize, size.height as usize);
        let mut pixels = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; w * h];
        self.window.request_redraw();
        self.window.draw_if_needed(|renderer| {
            renderer.render(&mut pixels, w);
        });
        (w, h, pixels)
    }
}

/// RGB pixels to PNG bytes.
pub fn encode_png(pixels: &[Rgb8Pixel], width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let data: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&data);
        }
    }
    out
}
