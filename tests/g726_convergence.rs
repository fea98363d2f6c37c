//! Measurement, not a check (run with `cargo test --release --test g726_convergence -- --ignored
//! --nocapture`): whether two G.726 encoders fed the same input from different states come to
//! the same state, which exact speculative parallelism across time would need (encode a later
//! segment from a guessed state, keep its output from the first sample where its state equals
//! the serial one). Each start point compares the serial encoder's state with one started at
//! reset `W` samples earlier, for up to 2^16 samples.
//!
//! Result (32 kbit/s, 40 points per signal): on the compare-peers sweep, white and pink-ish
//! noise and a speech-like pulse train the states almost never meet (0–3 of 40 within 2^16
//! samples, whatever W), and even their codewords agree on only 20–80% of samples after 2^16
//! samples: the coder does not contract. Only silence converges (within 63 samples). So the
//! encoder stays serial.

use aquant::codecs::g726::{ChannelEncoder, Rate};

fn noise(seed: u64) -> impl FnMut() -> i32 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ((x >> 40) as i32) - (1 << 23)
    }
}

/// Samples after which an encoder started at reset `warmup` samples before `start` has the
/// state `truth` (the serial encoder's at `start`) reaches, if within `limit`.
fn meets(
    x: &[i16],
    start: usize,
    warmup: usize,
    truth: &ChannelEncoder,
    limit: usize,
) -> Option<usize> {
    let mut guess = ChannelEncoder::new(truth.rate());
    for &s in &x[start - warmup..start] {
        guess.encode_linear(s);
    }
    let mut truth = truth.clone();
    for j in 0..limit {
        if guess == truth {
            return Some(j);
        }
        guess.encode_linear(x[start + j]);
        truth.encode_linear(x[start + j]);
    }
    None
}

#[test]
#[ignore = "measurement; prints convergence statistics"]
fn states_from_different_starts_rarely_meet() {
    let n = 8000 * 60;
    let mut white = noise(7);
    let mut pulses = noise(11);
    let signals: Vec<(&str, Vec<i16>)> = vec![
        (
            "sweep 300-3000 Hz, 0.3 (as compare-peers, 60 s)",
            (0..n)
                .map(|i| {
                    let t = i as f64 / 8000.0;
                    let phase = 2.0 * std::f64::consts::PI * (300.0 * t + 2700.0 * t * t / 7200.0);
                    (phase.sin() * 0.3 * 32767.0) as i16
                })
                .collect(),
        ),
        (
            "white noise",
            (0..n).map(|_| (white() >> 9) as i16).collect(),
        ),
        (
            "pulse train, 200 ms on / 150 ms pauses",
            (0..n)
                .map(|i| {
                    let on = i % 2800 < 1600;
                    let pulse = if on && i % 67 == 0 { 6000 } else { 0 };
                    (pulse + (pulses() >> if on { 16 } else { 20 })) as i16
                })
                .collect(),
        ),
        ("silence", vec![0; n]),
    ];
    let limit = 1 << 16;
    for (name, x) in &signals {
        let points: Vec<usize> = (1..=40)
            .map(|k| k * (x.len() - limit - 8192) / 40 + 4096)
            .collect();
        let mut encoder = ChannelEncoder::new(Rate::Kbps32);
        let mut truths = Vec::new();
        for (i, &s) in x.iter().enumerate() {
            if points.contains(&i) {
                truths.push(encoder.clone());
            }
            encoder.encode_linear(s);
        }
        for warmup in [0, 256, 4096] {
            let mut met: Vec<usize> = points
                .iter()
                .zip(&truths)
                .filter_map(|(&p, t)| meets(x, p, warmup, t, limit))
                .collect();
            met.sort_unstable();
            println!(
                "{name:45} W={warmup:5}: met {:2}/40, median {:?}, max {:?}",
                met.len(),
                met.get(met.len() / 2),
                met.last()
            );
        }
    }
}
