//! What the benchmarks share: numbers from the environment and a
//! generated trust seeded through the `haven` binary.

use std::process::{Command, Stdio};
use std::time::Duration;

/// The number in the environment variable `name`, or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A duration in whole milliseconds, for the tables.
pub fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

/// Seeds a generated trust with the slug `bench` into `url` (`haven seed --generate`) and
/// returns what the command printed.
pub fn generate_trust(engine: &str, url: &str, academies: usize, years: usize) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_haven"))
        .env_remove("RUST_LOG")
        .env("HAVEN_DATABASE__URL", url)
        .env_remove("HAVEN_DATABASE__MIGRATION_URL")
        .env("HAVEN_LOG__FILTER", "warn")
        .stdin(Stdio::null())
        .args(["seed", "--generate", "--slug", "bench"])
        .args(["--academies", &academies.to_string()])
        .args(["--years", &years.to_string()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
