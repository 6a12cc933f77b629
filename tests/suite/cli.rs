//! Whole-output tests of the real binary, as mdBook's testsuite does: each `tests/cmd/*.toml`
//! names a command, its folder and exit code; the `.stdout` and `.stderr` beside it are exactly
//! what the command must print. A changed column, word or help line fails here.
//!
//! Regenerate the expected files after an intended change with
//! `TRYCMD=overwrite cargo test --features test-hooks --test suite -- cli::`, then read the diff before
//! committing. The cases that fix "today" (`BULLETIN_TODAY`) run only in a test-hooks build.

#[test]
fn cli() {
    let cases = trycmd::TestCases::new();
    cases.env("NO_COLOR", "1").case("tests/cmd/*.toml");
    if cfg!(not(feature = "test-hooks")) {
        cases
            .skip("tests/cmd/dates-upcoming.toml")
            .skip("tests/cmd/dates-none.toml")
            .skip("tests/cmd/dates-archive.toml");
    }
}
