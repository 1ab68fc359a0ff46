//! Hall announcements: a chime, then "Mời công dân có số thứ tự A012 đến
//! quầy số 3", said `repeat` times — one call after another.
//!
//! ## Why one worker and an unbounded queue
//!
//! Two counters often call within the same second. Systems that start a
//! sound per call cut one call off with the next, or drop it; citizens then
//! miss their turn. Here [`Announcer::announce`] only appends to a FIFO
//! queue (it never blocks the board and never drops a call), and a single
//! worker thread takes calls in order and plays each to its end before the
//! next: two announcements can never overlap.
//!
//! ## Pieces
//!
//! - [`Voice`]: turns an [`Announcement`] into audio — a text-to-speech
//!   command ([`TtsVoice`], `espeak-ng -v vi` by default, whose WAV output is
//!   captured), prerecorded clips concatenated ([`ClipsVoice`]), or nothing
//!   ([`Silent`], chime only).
//! - [`AudioSink`]: plays audio to its end — the sound card through rodio
//!   ([`RodioSink`]), or [`NoAudio`] on a machine without a sound device (the
//!   board keeps working and the log says so). Tests pass their own sink.
//! - [`chime`]: a two-tone "ding-dong", synthesised, so no asset is needed.

use std::collections::VecDeque;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::{VoiceBackend, VoiceConfig};
use crate::domain::announce::Announcement;

/// Decoded audio: interleaved samples in -1.0..=1.0.
#[derive(Clone, PartialEq)]
pub struct Clip {
    /// What this is, for logs and tests ("chime", the sentence, a clip name).
    pub label: Arc<str>,
    pub channels: u16,
    pub sample_rate: u32,
    pub samples: Arc<Vec<f32>>,
}

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clip")
            .field("label", &self.label)
            .field("duration", &self.duration())
            .finish()
    }
}

impl Clip {
    /// How long the clip plays.
    pub fn duration(&self) -> Duration {
        let frames = self.samples.len() as f64 / f64::from(self.channels.max(1));
        Duration::from_secs_f64(frames / f64::from(self.sample_rate.max(1)))
    }

    /// A clip of no sound (tests, and voices that produce none).
    pub fn silent(label: &str) -> Self {
        Self {
            label: label.into(),
            channels: 1,
            sample_rate: 16_000,
            samples: Arc::new(Vec::new()),
        }
    }
}

/// Why audio could not be made or played.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("no audio output device: {0}")]
    NoDevice(String),
    #[error("speech command {command:?} failed: {reason}")]
    Tts { command: String, reason: String },
    #[error("clip {path}: {reason}")]
    Clip { path: PathBuf, reason: String },
    #[error("not a WAV file this player reads: {0}")]
    BadWav(String),
}

/// A two-tone chime (E6 then C6, bell-like decay), 1.1 s, mono 22.05 kHz.
pub fn chime() -> Clip {
    const RATE: u32 = 22_050;
    let tone = |freq: f32, seconds: f32| -> Vec<f32> {
        let n = (RATE as f32 * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                let attack = (t / 0.01).min(1.0);
                let decay = (-3.5 * t).exp();
                let partials = (2.0 * std::f32::consts::PI * freq * t).sin()
                    + 0.3 * (2.0 * std::f32::consts::PI * 2.0 * freq * t).sin();
                0.35 * attack * decay * partials
            })
            .collect()
    };
    let mut samples = tone(1318.5, 0.45);
    samples.extend(tone(1046.5, 0.65));
    Clip {
        label: "chime".into(),
        channels: 1,
        sample_rate: RATE,
        samples: Arc::new(samples),
    }
}

/// Reads a PCM WAV file (8/16/24/32-bit integer or 32-bit float). A data
/// chunk whose length is unknown (`0` or `0xFFFFFFFF`, as speech programs
/// writing to a pipe leave it) runs to the end of the bytes.
pub fn decode_wav(label: &str, bytes: &[u8]) -> Result<Clip, AudioError> {
    let bad = |why: &str| AudioError::BadWav(why.to_owned());
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("no RIFF/WAVE header"));
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let mut pos = 12;
    let mut format = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32_at(pos + 4) as usize;
        let body = pos + 8;
        if id == b"fmt " {
            if body + 16 > bytes.len() {
                return Err(bad("short fmt chunk"));
            }
            // (format tag, channels, sample rate, bits per sample)
            format = Some((
                u16_at(body),
                u16_at(body + 2),
                u32_at(body + 4),
                u16_at(body + 14),
            ));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or_else(|| bad("data before fmt"))?;
            let end = if len == 0 || len == 0xFFFF_FFFF || body + len > bytes.len() {
                bytes.len()
            } else {
                body + len
            };
            let data = &bytes[body..end];
            let samples: Vec<f32> = match (tag, bits) {
                (1, 8) => data
                    .iter()
                    .map(|b| (f32::from(*b) - 128.0) / 128.0)
                    .collect(),
                (1, 16) => data
                    .chunks_exact(2)
                    .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
                    .collect(),
                (1, 24) => data
                    .chunks_exact(3)
                    .map(|c| (i32::from_le_bytes([0, c[0], c[1], c[2]]) >> 8) as f32 / 8_388_608.0)
                    .collect(),
                (1, 32) => data
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32 / 2_147_483_648.0)
                    .collect(),
                (3, 32) => data
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
                (0xFFFE, _) => return Err(bad("WAVE_FORMAT_EXTENSIBLE: save as plain PCM")),
                _ => return Err(bad(&format!("format {tag} with {bits} bits"))),
            };
            if channels == 0 || rate == 0 {
                return Err(bad("zero channels or sample rate"));
            }
            return Ok(Clip {
                label: label.into(),
                channels,
                sample_rate: rate,
                samples: Arc::new(samples),
            });
        }
        // Chunks are padded to an even length.
        pos = body.saturating_add(len).saturating_add(len & 1);
    }
    Err(bad("no data chunk"))
}

/// Turns an announcement into audio.
pub trait Voice: Send {
    /// The audio of `a`, in playing order (one clip or several).
    fn render(&mut self, a: &Announcement) -> Result<Vec<Clip>, AudioError>;
    /// For logs: what this voice is.
    fn describe(&self) -> String;
}

/// No voice: the chime alone says "look at the board".
#[derive(Debug, Default)]
pub struct Silent;

impl Voice for Silent {
    fn render(&mut self, _: &Announcement) -> Result<Vec<Clip>, AudioError> {
        Ok(Vec::new())
    }
    fn describe(&self) -> String {
        "chime only".to_owned()
    }
}

/// A text-to-speech program that writes a WAV file to its standard output
/// when given the text as its last argument.
#[derive(Debug, Clone)]
pub struct TtsVoice {
    pub command: Vec<String>,
    /// A hung program is killed after this long.
    pub timeout: Duration,
}

impl TtsVoice {
    pub fn new(command: Vec<String>) -> Self {
        Self {
            command,
            timeout: Duration::from_secs(15),
        }
    }

    /// Runs the program on `text` and decodes what it wrote.
    pub fn speak(&self, text: &str) -> Result<Clip, AudioError> {
        let shown = self.command.join(" ");
        let fail = |reason: String| AudioError::Tts {
            command: shown.clone(),
            reason,
        };
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| fail("no program configured".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .arg(text)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("no stdout".into()))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| fail("no stderr".into()))?;
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let read = stdout.read_to_end(&mut out);
            read.map(|_| out)
        });
        let errors = std::thread::spawn(move || {
            let mut err = String::new();
            let _ = stderr.read_to_string(&mut err);
            err
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(format!("no answer within {:?}", self.timeout)));
                }
                Err(e) => return Err(fail(e.to_string())),
            }
        };
        let bytes = reader
            .join()
            .map_err(|_| fail("reader panicked".into()))?
            .map_err(|e| fail(e.to_string()))?;
        let err = errors.join().unwrap_or_default();
        if !status.success() {
            return Err(fail(format!("{status}: {}", err.trim())));
        }
        decode_wav(text, &bytes).map_err(|e| fail(e.to_string()))
    }
}

impl Voice for TtsVoice {
    fn render(&mut self, a: &Announcement) -> Result<Vec<Clip>, AudioError> {
        Ok(vec![self.speak(&a.spoken)?])
    }
    fn describe(&self) -> String {
        format!("text to speech: {}", self.command.join(" "))
    }
}

/// Prerecorded words, one WAV file per clip name, played one after another.
#[derive(Debug)]
pub struct ClipsVoice {
    pub dir: PathBuf,
    cache: std::collections::HashMap<&'static str, Clip>,
}

impl ClipsVoice {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            cache: Default::default(),
        }
    }

    fn clip(&mut self, name: &'static str) -> Result<Clip, AudioError> {
        if let Some(c) = self.cache.get(name) {
            return Ok(c.clone());
        }
        let path = self.dir.join(format!("{name}.wav"));
        let bytes = std::fs::read(&path).map_err(|e| AudioError::Clip {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let clip = decode_wav(name, &bytes).map_err(|e| AudioError::Clip {
            path,
            reason: e.to_string(),
        })?;
        self.cache.insert(name, clip.clone());
        Ok(clip)
    }
}

impl Voice for ClipsVoice {
    fn render(&mut self, a: &Announcement) -> Result<Vec<Clip>, AudioError> {
        a.words.iter().map(|w| self.clip(w.clip)).collect()
    }
    fn describe(&self) -> String {
        format!("prerecorded clips in {}", self.dir.display())
    }
}

/// Plays audio to its end.
pub trait AudioSink {
    /// Plays `clips` one after another and returns when they have finished.
    fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError>;
    fn describe(&self) -> String;
}

/// The sound card, through rodio. Not `Send` (the output stream belongs to
/// the thread that opened it): the announcer's worker opens it.
#[cfg(feature = "audio")]
pub struct RodioSink {
    // Kept alive: dropping the stream stops the sound.
    _stream: rodio::OutputStream,
    handle: rodio::OutputStreamHandle,
    volume: f32,
}

#[cfg(feature = "audio")]
impl RodioSink {
    /// The default output device.
    pub fn open(volume: f32) -> Result<Self, AudioError> {
        let (stream, handle) =
            rodio::OutputStream::try_default().map_err(|e| AudioError::NoDevice(e.to_string()))?;
        Ok(Self {
            _stream: stream,
            handle,
            volume,
        })
    }
}

#[cfg(feature = "audio")]
impl AudioSink for RodioSink {
    fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError> {
        let sink =
            rodio::Sink::try_new(&self.handle).map_err(|e| AudioError::NoDevice(e.to_string()))?;
        sink.set_volume(self.volume);
        for c in clips {
            sink.append(rodio::buffer::SamplesBuffer::new(
                c.channels,
                c.sample_rate,
                c.samples.as_ref().clone(),
            ));
        }
        sink.sleep_until_end();
        Ok(())
    }
    fn describe(&self) -> String {
        "default audio output (rodio)".to_owned()
    }
}

/// No sound device: announcements are written to the log only.
#[derive(Debug, Default)]
pub struct NoAudio;

impl AudioSink for NoAudio {
    fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError> {
        for c in clips {
            tracing::debug!(clip = %c.label, "no audio device: not played");
        }
        Ok(())
    }
    fn describe(&self) -> String {
        "no audio device".to_owned()
    }
}

/// Plays through an external player (`aplay`, from alsa-utils) fed a WAV on
/// its standard input: the fallback of builds without the `audio` feature.
#[derive(Debug)]
pub struct CommandSink {
    program: String,
    volume: f32,
}

impl CommandSink {
    /// `aplay`, when it is installed.
    pub fn find(volume: f32) -> Option<Self> {
        let found = std::process::Command::new("aplay")
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        found.then(|| Self {
            program: "aplay".to_owned(),
            volume,
        })
    }
}

/// 16-bit PCM WAV of `clips` (same format each: the first clip's).
pub fn encode_wav(clips: &[Clip], volume: f32) -> Vec<u8> {
    let (channels, rate) = clips
        .first()
        .map(|c| (c.channels.max(1), c.sample_rate.max(1)))
        .unwrap_or((1, 16_000));
    let samples: Vec<i16> = clips
        .iter()
        .flat_map(|c| c.samples.iter())
        .map(|s| ((s * volume).clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

impl AudioSink for CommandSink {
    fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError> {
        use std::io::Write;
        // Clips of different formats play one player run each.
        let mut start = 0;
        while start < clips.len() {
            let format = (clips[start].channels, clips[start].sample_rate);
            let end = clips[start..]
                .iter()
                .position(|c| (c.channels, c.sample_rate) != format)
                .map_or(clips.len(), |n| start + n);
            let wav = encode_wav(&clips[start..end], self.volume);
            let mut child = std::process::Command::new(&self.program)
                .args(["-q", "-"])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| AudioError::NoDevice(e.to_string()))?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin
                    .write_all(&wav)
                    .map_err(|e| AudioError::NoDevice(e.to_string()))?;
            }
            let status = child
                .wait()
                .map_err(|e| AudioError::NoDevice(e.to_string()))?;
            if !status.success() {
                return Err(AudioError::NoDevice(format!(
                    "{} exited with {status}",
                    self.program
                )));
            }
            start = end;
        }
        Ok(())
    }
    fn describe(&self) -> String {
        format!("{} (external player)", self.program)
    }
}

/// Opens the sound card, or explains in the log why the board is silent.
pub fn open_default_sink(volume: f32) -> Box<dyn AudioSink> {
    #[cfg(feature = "audio")]
    let opened = RodioSink::open(volume).map(|s| Box::new(s) as Box<dyn AudioSink>);
    #[cfg(not(feature = "audio"))]
    let opened = CommandSink::find(volume)
        .map(|s| Box::new(s) as Box<dyn AudioSink>)
        .ok_or_else(|| {
            AudioError::NoDevice(
                "built without the `audio` feature and no `aplay` found".to_owned(),
            )
        });
    match opened {
        Ok(sink) => sink,
        Err(err) => {
            tracing::warn!(%err,
                "không có thiết bị âm thanh: bảng hiển thị vẫn chạy nhưng không đọc số / \
                 no audio device: the board keeps working without announcements");
            Box::new(NoAudio)
        }
    }
}

/// The configured voice.
pub fn voice_from_config(config: &VoiceConfig) -> Box<dyn Voice> {
    match config.backend {
        VoiceBackend::Tts => Box::new(TtsVoice::new(config.tts_command.clone())),
        VoiceBackend::Clips => match &config.clips_dir {
            Some(dir) => Box::new(ClipsVoice::new(dir.clone())),
            None => Box::new(Silent),
        },
        VoiceBackend::Chime | VoiceBackend::Off => Box::new(Silent),
    }
}

/// How each call is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub chime: bool,
    /// Times the sentence is said.
    pub repeat: u32,
}

impl Plan {
    pub fn from_config(config: &VoiceConfig) -> Self {
        Self {
            chime: config.chime && config.backend != VoiceBackend::Off,
            repeat: if config.backend == VoiceBackend::Off {
                0
            } else {
                config.repeat.max(1)
            },
        }
    }
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Announcement>,
    closed: bool,
    /// Announcements finished (said, or given up on after an error).
    done: u64,
    /// One is being said right now.
    busy: bool,
}

/// The FIFO of calls and its one worker thread.
pub struct Announcer {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    worker: Option<JoinHandle<()>>,
}

impl Announcer {
    /// Starts the worker. `open_sink` runs on the worker thread (a sound
    /// card stream must stay on the thread that opened it).
    pub fn start(
        plan: Plan,
        mut voice: Box<dyn Voice>,
        open_sink: Box<dyn FnOnce() -> Box<dyn AudioSink> + Send>,
    ) -> Self {
        let queue: Arc<(Mutex<Queue>, Condvar)> = Arc::default();
        let q = Arc::clone(&queue);
        let worker = std::thread::Builder::new()
            .name("motcua-announcer".into())
            .spawn(move || {
                let mut sink = open_sink();
                tracing::info!(voice = %voice.describe(), output = %sink.describe(), "announcer ready");
                let chime = chime();
                loop {
                    let next = {
                        let (lock, cond) = &*q;
                        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
                        loop {
                            if let Some(a) = state.items.pop_front() {
                                state.busy = true;
                                break Some(a);
                            }
                            if state.closed {
                                break None;
                            }
                            state = cond.wait(state).unwrap_or_else(|e| e.into_inner());
                        }
                    };
                    let Some(a) = next else { return };
                    let _ = say(&a, plan, &chime, voice.as_mut(), sink.as_mut());
                    let (lock, cond) = &*q;
                    let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
                    state.busy = false;
                    state.done += 1;
                    cond.notify_all();
                }
            })
            .expect("spawning the announcer thread");
        Self {
            queue,
            worker: Some(worker),
        }
    }

    /// Queues a call. Never blocks, never drops.
    pub fn announce(&self, a: Announcement) {
        let (lock, cond) = &*self.queue;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        tracing::info!(sentence = %a.sentence, waiting = state.items.len(), "announcement queued");
        state.items.push_back(a);
        cond.notify_all();
    }

    /// Calls waiting to be said (not counting the one being said).
    pub fn pending(&self) -> usize {
        self.queue
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .items
            .len()
    }

    /// Announcements finished since start.
    pub fn done(&self) -> u64 {
        self.queue.0.lock().unwrap_or_else(|e| e.into_inner()).done
    }

    /// Waits until everything queued has been said (at most `timeout`);
    /// returns whether the queue is empty and idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let (lock, cond) = &*self.queue;
        let state = lock.lock().unwrap_or_else(|e| e.into_inner());
        let (state, _) = cond
            .wait_timeout_while(state, timeout, |s| !s.items.is_empty() || s.busy)
            .unwrap_or_else(|e| e.into_inner());
        state.items.is_empty() && !state.busy
    }
}

impl Drop for Announcer {
    /// Says what is queued, then stops.
    fn drop(&mut self) {
        {
            let (lock, cond) = &*self.queue;
            let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
            state.closed = true;
            cond.notify_all();
        }
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// What became of an announcement; the log says exactly this, never
/// "announced" for a call whose sentence was not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    /// Chime (if planned) and sentence played.
    Announced,
    /// The speech program failed: only the chime was played.
    ChimeOnly,
    /// Nothing could be played (no chime planned and no sentence, or the
    /// sound output failed).
    Nothing,
}

/// Chime, then the sentence `repeat` times. Errors are logged: a call the
/// voice cannot say is still chimed and still on the board.
fn say(
    a: &Announcement,
    plan: Plan,
    chime: &Clip,
    voice: &mut dyn Voice,
    sink: &mut dyn AudioSink,
) -> Said {
    let mut clips = Vec::new();
    if plan.chime {
        clips.push(chime.clone());
    }
    let mut spoke = false;
    if plan.repeat > 0 {
        match voice.render(a) {
            Ok(spoken) => {
                spoke = true;
                for _ in 0..plan.repeat {
                    clips.extend(spoken.iter().cloned());
                }
            }
            Err(err) => {
                tracing::warn!(%err, sentence = %a.sentence, "the speech program failed; chime only")
            }
        }
    }
    if clips.is_empty() {
        return Said::Nothing;
    }
    let started = Instant::now();
    if let Err(err) = sink.play(&clips) {
        tracing::warn!(%err, sentence = %a.sentence, "cannot play the announcement");
        return Said::Nothing;
    }
    let took = started.elapsed();
    if spoke || plan.repeat == 0 {
        tracing::info!(sentence = %a.sentence, ?took, "announced");
        Said::Announced
    } else {
        tracing::warn!(sentence = %a.sentence, ?took, "chimed only, not announced");
        Said::ChimeOnly
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A voice whose audio names the call, so the sink can tell calls apart.
    struct LabelVoice;
    impl Voice for LabelVoice {
        fn render(&mut self, a: &Announcement) -> Result<Vec<Clip>, AudioError> {
            Ok(vec![Clip::silent(&a.sentence)])
        }
        fn describe(&self) -> String {
            "labels".into()
        }
    }

    /// A sink that records what it plays and fails the test if a second
    /// play starts before the first has returned.
    #[derive(Clone, Default)]
    struct RecordingSink {
        playing: Arc<AtomicBool>,
        played: Arc<Mutex<Vec<Vec<String>>>>,
    }
    impl AudioSink for RecordingSink {
        fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError> {
            assert!(
                !self.playing.swap(true, Ordering::SeqCst),
                "two announcements overlap"
            );
            // Give another thread every chance to barge in.
            for _ in 0..50 {
                std::thread::yield_now();
            }
            self.played
                .lock()
                .unwrap()
                .push(clips.iter().map(|c| c.label.to_string()).collect());
            self.playing.store(false, Ordering::SeqCst);
            Ok(())
        }
        fn describe(&self) -> String {
            "recording".into()
        }
    }

    /// A speech program that always fails.
    struct BrokenVoice;
    impl Voice for BrokenVoice {
        fn render(&mut self, _: &Announcement) -> Result<Vec<Clip>, AudioError> {
            Err(AudioError::Tts {
                command: "espeak-ng".into(),
                reason: "exited with status 1".into(),
            })
        }
        fn describe(&self) -> String {
            "broken".into()
        }
    }

    /// #14 item 21: a call whose sentence the speech program could not
    /// render is chimed, and not reported as announced.
    #[test]
    fn a_failed_speech_program_is_not_reported_as_announced() {
        let a = Announcement::call("A012", 3).unwrap();
        let plan = Plan {
            chime: true,
            repeat: 2,
        };
        let chime = Clip::silent("chime");
        let mut sink = RecordingSink::default();
        assert_eq!(
            say(&a, plan, &chime, &mut BrokenVoice, &mut sink),
            Said::ChimeOnly
        );
        assert_eq!(sink.played.lock().unwrap()[0], ["chime"]);
        assert_eq!(
            say(&a, plan, &chime, &mut LabelVoice, &mut sink),
            Said::Announced
        );
    }

    #[test]
    fn a_burst_of_simultaneous_calls_is_said_in_order_one_at_a_time_none_dropped() {
        let sink = RecordingSink::default();
        let s = sink.clone();
        let announcer = Arc::new(Announcer::start(
            Plan {
                chime: true,
                repeat: 2,
            },
            Box::new(LabelVoice),
            Box::new(move || Box::new(s) as Box<dyn AudioSink>),
        ));
        // 8 counters call 25 numbers each, all at once. The order the calls
        // reach the queue is recorded under the same lock that queues them.
        let queued = Arc::new(Mutex::new(Vec::new()));
        let start = Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (1..=8u32)
            .map(|counter| {
                let (announcer, queued, start) = (
                    Arc::clone(&announcer),
                    Arc::clone(&queued),
                    Arc::clone(&start),
                );
                std::thread::spawn(move || {
                    start.wait();
                    for n in 1..=25 {
                        let a = Announcement::call(&format!("A{n:03}"), counter).unwrap();
                        let mut order = queued.lock().unwrap();
                        order.push(a.sentence.clone());
                        announcer.announce(a);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(announcer.wait_idle(Duration::from_secs(30)));
        let played = sink.played.lock().unwrap().clone();
        let queued = queued.lock().unwrap().clone();
        assert_eq!(played.len(), 200, "every call said, none dropped");
        assert_eq!(announcer.done(), 200);
        for (clips, sentence) in played.iter().zip(&queued) {
            assert_eq!(
                clips,
                &["chime", sentence, sentence],
                "FIFO order, chime first, said twice"
            );
        }
    }

    #[test]
    fn a_voice_that_fails_still_chimes_and_the_queue_goes_on() {
        struct Broken;
        impl Voice for Broken {
            fn render(&mut self, _: &Announcement) -> Result<Vec<Clip>, AudioError> {
                Err(AudioError::BadWav("broken".into()))
            }
            fn describe(&self) -> String {
                "broken".into()
            }
        }
        let sink = RecordingSink::default();
        let s = sink.clone();
        let announcer = Announcer::start(
            Plan {
                chime: true,
                repeat: 1,
            },
            Box::new(Broken),
            Box::new(move || Box::new(s) as Box<dyn AudioSink>),
        );
        announcer.announce(Announcement::call("A001", 1).unwrap());
        announcer.announce(Announcement::call("A002", 2).unwrap());
        assert!(announcer.wait_idle(Duration::from_secs(10)));
        assert_eq!(
            *sink.played.lock().unwrap(),
            vec![vec!["chime"], vec!["chime"]]
        );
    }

    #[test]
    fn wav_files_decode_including_streamed_ones() {
        // 16-bit mono, 8 kHz, 4 samples; data length unknown (streamed).
        let mut wav = b"RIFF\xff\xff\xff\xffWAVEfmt ".to_vec();
        wav.extend(16u32.to_le_bytes());
        wav.extend(1u16.to_le_bytes()); // PCM
        wav.extend(1u16.to_le_bytes()); // mono
        wav.extend(8000u32.to_le_bytes());
        wav.extend(16000u32.to_le_bytes());
        wav.extend(2u16.to_le_bytes());
        wav.extend(16u16.to_le_bytes());
        wav.extend(b"data");
        wav.extend(0xFFFF_FFFFu32.to_le_bytes());
        for s in [0i16, 16384, -16384, 32767] {
            wav.extend(s.to_le_bytes());
        }
        let clip = decode_wav("t", &wav).unwrap();
        assert_eq!((clip.channels, clip.sample_rate), (1, 8000));
        assert_eq!(*clip.samples, vec![0.0, 0.5, -0.5, 32767.0 / 32768.0]);
        assert!(decode_wav("t", b"not a wav").is_err());
    }

    /// Needs `espeak-ng` (not on CI): `cargo test --lib espeak -- --ignored`.
    #[test]
    #[ignore]
    fn espeak_ng_speaks_vietnamese_into_a_wav_we_read() {
        let voice = TtsVoice::new(crate::config::VoiceConfig::default().tts_command);
        let a = Announcement::call("A012", 3).unwrap();
        let clip = voice.speak(&a.spoken).unwrap();
        assert!(clip.duration() > Duration::from_secs(2), "{clip:?}");
        assert!(clip.samples.iter().any(|s| s.abs() > 0.05), "not silent");
    }

    #[test]
    fn the_chime_is_short_and_not_clipped() {
        let c = chime();
        assert!(c.duration() > Duration::from_millis(800) && c.duration() < Duration::from_secs(2));
        assert!(c.samples.iter().all(|s| s.abs() <= 1.0));
    }

    #[test]
    fn clips_are_read_by_name_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = Announcement::call("A012", 3).unwrap();
        let mut voice = ClipsVoice::new(dir.path().to_owned());
        let err = voice.render(&a).unwrap_err().to_string();
        assert!(err.contains("moi-cong-dan.wav"), "{err}");
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend(16u32.to_le_bytes());
        wav.extend([1, 0, 1, 0]);
        wav.extend(8000u32.to_le_bytes());
        wav.extend(16000u32.to_le_bytes());
        wav.extend([2, 0, 16, 0]);
        wav.extend(b"data");
        wav.extend(2u32.to_le_bytes());
        wav.extend([0, 0]);
        for name in a.clips() {
            std::fs::write(dir.path().join(format!("{name}.wav")), &wav).unwrap();
        }
        let clips = voice.render(&a).unwrap();
        let labels: Vec<&str> = clips.iter().map(|c| &*c.label).collect();
        assert_eq!(labels, a.clips());
    }

    #[test]
    fn the_external_player_gets_a_wav_that_decodes_back() {
        let clip = chime();
        let wav = encode_wav(std::slice::from_ref(&clip), 1.0);
        let back = decode_wav("back", &wav).unwrap();
        assert_eq!(
            (back.channels, back.sample_rate),
            (clip.channels, clip.sample_rate)
        );
        assert_eq!(back.samples.len(), clip.samples.len());
        let worst = back
            .samples
            .iter()
            .zip(clip.samples.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "16-bit rounding only: {worst}");
    }
}
