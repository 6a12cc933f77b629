//! TLS client settings shared by the SMTP relay (`send`) and the IMAP mailbox (`inbox`):
//! certificates checked against the web's public roots (webpki-roots, as lettre does), plus an
//! organisation's own CA from `ca_file`, on rustls with the ring provider.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The client settings, trusting the public roots and the PEM certificates in `extra`. An error
/// says what is wrong with `extra`, to follow "the `ca_file` certificate ...".
pub fn client_config(extra: Option<&[u8]>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in extra
        .map(CertificateDer::pem_slice_iter)
        .into_iter()
        .flatten()
    {
        let cert = cert.map_err(|e| format!("cannot be read: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("cannot be used: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
