//! The `bulletin` binary: everything it does is the library's [`bulletin::main`], so that the
//! compiler sees the whole program in one crate (and reports what nothing uses).

fn main() -> std::process::ExitCode {
    bulletin::main()
}
