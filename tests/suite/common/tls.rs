//! A test certificate authority and a server certificate it issued for 127.0.0.1, made with the
//! `openssl` command, for servers started by the tests with their own certificate.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Makes `ca.pem` (the authority), `leaf.pem` and `leaf.key` (for 127.0.0.1) in `dir`, with the
/// given file-name prefix so that one folder can hold two unrelated authorities:
/// (ca, cert, key).
pub fn certificates(dir: &Path, prefix: &str) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(format!("{prefix}{n}"));
    let n = |s: &str| format!("{prefix}{s}");
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let steps: [Vec<String>; 3] = [
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Test CA",
            "-keyout",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([n("ca.key"), "-out".into(), n("ca.pem")])
        .collect(),
        [
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([n("leaf.key"), "-out".into(), n("leaf.csr")])
        .collect(),
        vec![
            "x509".into(),
            "-req".into(),
            "-in".into(),
            n("leaf.csr"),
            "-CA".into(),
            n("ca.pem"),
            "-CAkey".into(),
            n("ca.key"),
            "-CAcreateserial".into(),
            "-days".into(),
            "2".into(),
            "-extfile".into(),
            n("leaf.ext"),
            "-out".into(),
            n("leaf.pem"),
        ],
    ];
    for args in steps {
        let o = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("openssl (run scripts/install-test-deps.sh)");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    (p("ca.pem"), p("leaf.pem"), p("leaf.key"))
}
