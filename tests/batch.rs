//! `aquant batch` end to end: a tree of mixed formats (made by sox and ffmpeg, see
//! scripts/make-batch-fixtures.sh) with corrupt files, manifests, refusals, shards, and a run
//! killed mid-way then resumed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn aquant() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aquant"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/batch")
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let out = aquant().args(args).output().expect("run aquant");
    eprintln!(
        "aquant {:?}: {:?}\n{}",
        args,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new(&$a)),*] };
}

/// Interleaved samples of a 16-bit WAV (read with hound, independent of our reader).
fn wav_i16(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    assert_eq!(spec.bits_per_sample, 16, "{}", path.display());
    (spec, r.samples::<i16>().map(|s| s.unwrap()).collect())
}

fn raw_s16le(path: &Path) -> Vec<i16> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Every file under `dir` (relative path → bytes), hidden ones included.
/// Every file under `dir` with its bytes. A file that vanishes between listing and reading (a
/// temporary file renamed by a batch still running) is left out.
fn tree_contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                match std::fs::read(&p) {
                    Ok(bytes) => {
                        out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), bytes);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("reading {}: {e}", p.display()),
                }
            }
        }
    }
    out
}

fn copy(from: &str, tree: &Path, to: &str) {
    let dest = tree.join(to);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(fixtures().join(from), dest).unwrap();
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn file_entry<'a>(report: &'a serde_json::Value, input_suffix: &str) -> &'a serde_json::Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["input"].as_str().unwrap().ends_with(input_suffix))
        .unwrap_or_else(|| panic!("{input_suffix} not in the report"))
}

#[test]
fn mixed_tree_gives_right_outputs_report_and_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("corpus");
    let out = tmp.path().join("out");
    for (from, to) in [
        ("tone16.wav", "wav/tone16.wav"),
        ("tone16.flac", "flac/tone16.flac"),
        ("tone16.aiff", "aiff/tone16.aiff"),
        ("tone16.caf", "caf/tone16.caf"),
        ("tone24.flac", "hi/tone24.flac"),
        ("tone16.mp3", "lossy/tone16.mp3"),
        ("tone16.ogg", "lossy/vorbis.ogg"),
        ("tone16-ima.wav", "adpcm/ima.wav"),
        ("tone16-msadpcm.wav", "adpcm/ms.wav"),
        ("tone16-mulaw.wav", "g711/mulaw.wav"),
        ("garbage.flac", "bad/garbage.flac"),
        ("truncated.flac", "bad/truncated.flac"),
        ("truncated-header.wav", "bad/truncated-header.wav"),
    ] {
        copy(from, &tree, to);
    }
    std::fs::write(tree.join("notes.txt"), "not audio, left alone").unwrap();
    let before = tree_contents(&tree);
    let report_path = tmp.path().join("report.json");

    let o = run(args![
        "batch",
        tree,
        out,
        "--format",
        "pcm16",
        "--jobs",
        "2",
        "--report",
        report_path
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failed file makes the exit code 1"
    );
    assert_eq!(tree_contents(&tree), before, "inputs are never modified");

    // Lossless sources decode to exactly the samples sox encoded.
    let (_, reference) = wav_i16(&fixtures().join("tone16.wav"));
    for name in ["wav", "flac", "aiff", "caf"] {
        let (spec, got) = wav_i16(&out.join(name).join("tone16.wav"));
        assert_eq!((spec.channels, spec.sample_rate), (2, 44100));
        assert!(got == reference, "{name}: samples differ from the source");
    }
    let source_len = reference.len();
    // ADPCM: exactly the reference decode (sox's, which libsndfile shares), cut to the fact
    // chunk's length. mu-law: ffmpeg's decode.
    for (out_name, reference) in [
        ("adpcm/ima.wav", "tone16-ima.sox.s16le"),
        ("adpcm/ms.wav", "tone16-msadpcm.sox.s16le"),
        ("g711/mulaw.wav", "tone16-mulaw.ffmpeg.s16le"),
    ] {
        let (_, got) = wav_i16(&out.join(out_name));
        let want = raw_s16le(&fixtures().join(reference));
        // ffmpeg writes the padded block's length into its fact chunk, so all its samples count.
        assert!(
            got.len() >= source_len && got.len() <= want.len(),
            "{out_name}: length {}",
            got.len()
        );
        assert!(
            got[..] == want[..got.len()],
            "{out_name} differs from the reference decode"
        );
    }
    // 24-bit to 16-bit with TPDF dither: within 1.5 LSB of the exact value, and not plain
    // rounding (the dither is there).
    let mut r24 = hound::WavReader::open(fixtures().join("tone24.wav")).unwrap();
    let src24: Vec<i32> = r24.samples::<i32>().map(|s| s.unwrap()).collect();
    let (_, got) = wav_i16(&out.join("hi/tone24.wav"));
    assert_eq!(got.len(), src24.len());
    let mut differs_from_rounding = 0;
    for (&o, &s) in got.iter().zip(&src24) {
        let exact = s as f64 / 256.0;
        assert!((o as f64 - exact).abs() <= 1.5, "{o} vs {exact}");
        differs_from_rounding += (o as f64 != exact.round()) as usize;
    }
    assert!(differs_from_rounding > got.len() / 10);
    // Lossy sources: the same length (gapless) and close to the source.
    for name in ["lossy/tone16.wav", "lossy/vorbis.wav"] {
        let (_, got) = wav_i16(&out.join(name));
        assert_eq!(got.len(), reference.len(), "{name}: length");
        let (mut signal, mut noise) = (0f64, 0f64);
        for (&g, &r) in got.iter().zip(&reference) {
            signal += (r as f64).powi(2);
            noise += (g as f64 - r as f64).powi(2);
        }
        let snr = 10.0 * (signal / noise).log10();
        assert!(snr > 20.0, "{name}: SNR {snr:.1} dB");
    }
    // Corrupt files: no output, a reason each.
    for bad in ["garbage", "truncated", "truncated-header"] {
        assert!(!out.join("bad").join(format!("{bad}.wav")).exists());
    }
    let hidden: Vec<_> = tree_contents(&out)
        .into_keys()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");

    let r = report(&report_path);
    assert_eq!(r["totals"]["files"], 13);
    assert_eq!(r["totals"]["converted"], 10);
    assert_eq!(r["totals"]["failed"], 3);
    assert_eq!(r["totals"]["skipped"], 0);
    for (input, expected) in [
        ("bad/garbage.flac", "unsupported format"),
        (
            "bad/truncated.flac",
            "file ends after 0 of the 11025 frames",
        ),
        (
            "bad/truncated-header.wav",
            "file ends inside the WAV header",
        ),
    ] {
        let f = file_entry(&r, input);
        assert_eq!(f["status"], "failed");
        let e = f["error"].as_str().unwrap();
        assert!(e.contains(expected), "{input}: {e}");
    }
    let flac = file_entry(&r, "flac/tone16.flac");
    assert_eq!(flac["status"], "converted");
    assert_eq!(flac["frames"], 11025);
    assert_eq!(flac["channels"], 2);
    assert_eq!(flac["sample_rate"], 44100);
    assert_eq!(flac["input_format"], "pcm16");
    assert_eq!(flac["dither"], "none");
    assert!((flac["audio_seconds"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    assert_eq!(file_entry(&r, "hi/tone24.flac")["input_format"], "pcm24");
    assert_eq!(file_entry(&r, "lossy/tone16.mp3")["input_format"], "f32");
    assert!(r["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["input"].as_str().unwrap().ends_with("notes.txt")));
}

/// Writes a float32 WAV with hound.
fn write_f32(path: &Path, channels: u16, samples: &[f32]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels,
        sample_rate: 44100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// A reproducible noise-like signal (an LCG), at -6 dBFS.
fn signal(seed: u64, len: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

#[test]
fn clip_and_nan_counts_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = signal(1, 2000);
    for i in 0..7 {
        s[100 + i * 10] = 1.5;
    }
    for i in 0..3 {
        s[1000 + i] = f32::NAN;
    }
    write_f32(&tmp.path().join("in/x.wav"), 2, &s);
    let rp = tmp.path().join("r.json");
    let o = run(args![
        "batch",
        tmp.path().join("in"),
        tmp.path().join("out"),
        "--report",
        rp
    ]);
    assert!(o.status.success());
    let r = report(&rp);
    let f = file_entry(&r, "x.wav");
    assert_eq!(f["clipped"], 7);
    assert_eq!(f["nan"], 3);
    assert_eq!(f["frames"], 1000);
    assert_eq!(r["totals"]["clipped"], 7);
}

#[test]
fn manifest_lists_files_relative_to_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    copy("tone16.flac", &corpus, "x/a.flac");
    copy("tone16.wav", &corpus, "y/z/b.wav");
    copy("tone16.wav", &corpus, "y/unlisted.wav");
    std::fs::write(
        corpus.join("list.txt"),
        format!(
            "# two of the three files\nx/a.flac\n\n{}\n",
            corpus.join("y/z/b.wav").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run(args!["batch", corpus.join("list.txt"), out]);
    assert!(o.status.success());
    let files: Vec<_> = tree_contents(&out).into_keys().collect();
    assert_eq!(
        files,
        vec![PathBuf::from("x/a.wav"), PathBuf::from("y/z/b.wav")]
    );
}

#[test]
fn collisions_and_existing_outputs_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    copy("tone16.flac", &corpus, "a/song.flac");
    copy("tone16.wav", &corpus, "a/song.wav");
    copy("tone16.wav", &corpus, "b.wav");
    let out = tmp.path().join("out");
    let o = run(args!["batch", corpus, out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("would both be written to"));
    assert!(!out.exists() || tree_contents(&out).is_empty());

    // An output folder that is the input folder: outputs would overwrite inputs.
    std::fs::remove_file(corpus.join("a/song.flac")).unwrap();
    let o = run(args!["batch", corpus, corpus]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("would overwrite the input"));

    // An output folder inside the input tree is fine (and not walked on a rerun).
    let inner = corpus.join("converted");
    assert!(run(args!["batch", corpus, inner]).status.success());
    assert_eq!(tree_contents(&inner).len(), 2);
    // Existing outputs: refused by default, skipped or replaced on request.
    let o = run(args!["batch", corpus, inner]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exist already"));
    let rp = tmp.path().join("r.json");
    assert!(run(args![
        "batch",
        corpus,
        inner,
        "--skip-existing",
        "--report",
        rp
    ])
    .status
    .success());
    assert_eq!(report(&rp)["totals"]["skipped"], 2);
    assert!(
        run(args!["batch", corpus, inner, "--overwrite", "--report", rp])
            .status
            .success()
    );
    assert_eq!(report(&rp)["totals"]["converted"], 2);
    assert_eq!(tree_contents(&inner).len(), 2);
}

/// A corpus of float files (dithered to 16 bits, so every file's seed shows in its output).
fn float_corpus(dir: &Path, files: usize, frames: usize) {
    for i in 0..files {
        let sub = ["", "a/", "a/b/", "c/"][i % 4];
        write_f32(
            &dir.join(format!("{sub}f{i:03}.wav")),
            2,
            &signal(i as u64, frames * 2),
        );
    }
}

#[test]
fn shards_split_the_corpus_and_give_the_same_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    float_corpus(&corpus, 23, 3000);
    let whole = tmp.path().join("whole");
    assert!(run(args!["batch", corpus, whole, "--seed", "9"])
        .status
        .success());
    let sharded = tmp.path().join("sharded");
    let mut counts = Vec::new();
    for i in 0..3 {
        let rp = tmp.path().join(format!("r{i}.json"));
        let shard = format!("{i}/3");
        let o = run(args![
            "batch", corpus, sharded, "--seed", "9", "--shard", shard, "--report", rp
        ]);
        assert!(o.status.success());
        let r = report(&rp);
        assert_eq!(r["corpus_files"], 23);
        counts.push(r["totals"]["files"].as_u64().unwrap());
    }
    assert_eq!(counts.iter().sum::<u64>(), 23, "{counts:?}");
    // Files are equal in size: balanced shards hold 7 or 8 each.
    assert!(counts.iter().all(|&c| (7..=8).contains(&c)), "{counts:?}");
    assert!(
        tree_contents(&sharded) == tree_contents(&whole),
        "sharded outputs differ from a whole run"
    );
}

#[test]
fn killed_run_leaves_no_partial_outputs_and_resumes_to_identical_results() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let files = 40;
    float_corpus(&corpus, files, 44100 * 2);
    let reference = tmp.path().join("reference");
    assert!(run(args!["batch", corpus, reference, "--jobs", "1"])
        .status
        .success());
    let expected = tree_contents(&reference);
    assert_eq!(expected.len(), files);

    let out = tmp.path().join("out");
    let visible = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        if !dir.exists() {
            return BTreeMap::new();
        }
        tree_contents(dir)
            .into_iter()
            .filter(|(p, _)| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect()
    };
    let mut child = aquant()
        .args(["batch", "--jobs", "1"])
        .arg(&corpus)
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill (SIGKILL) once a few outputs are done, while others are being written.
    let deadline = Instant::now() + Duration::from_secs(120);
    while visible(&out).len() < 3 {
        assert!(Instant::now() < deadline, "no outputs appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(37));
    child.kill().unwrap();
    child.wait().unwrap();

    let partial = visible(&out);
    assert!(
        partial.len() < files,
        "the run finished before the kill: test inconclusive"
    );
    for (path, bytes) in &partial {
        assert!(
            expected.get(path) == Some(bytes),
            "{} under its final name differs from a complete output",
            path.display()
        );
    }

    let rp = tmp.path().join("r.json");
    let o = run(args![
        "batch",
        corpus,
        out,
        "--skip-existing",
        "--report",
        rp
    ]);
    assert!(o.status.success());
    let r = report(&rp);
    assert_eq!(r["totals"]["skipped"], partial.len());
    assert_eq!(r["totals"]["converted"], files - partial.len());
    assert!(
        visible(&out) == expected,
        "resumed outputs differ from an uninterrupted run"
    );
}
