//! Whole-output tests of the real binary, as mdBook's testsuite does: each `tests/cmd/*.toml`
//! names a command, its folder and exit code; the `.stdout` and `.stderr` beside it are exactly
//! what the command must print. A changed column, word or help line fails here.
//!
//! Regenerate the expected files after an intended change with
//! `TRYCMD=overwrite cargo test --test cli`, then read the diff before committing.

#[test]
fn cli() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
