//! The webhook signature: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body bytes,
//! keyed by the target's secret. Computes only; never logs or returns the key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header a signed webhook carries.
pub const SIGNATURE_HEADER: &str = "X-Railway-Operator-Signature";

/// The signature header's value for `body` under `key`. HMAC takes keys of any length (longer
/// ones are hashed first), so `None` is not expected; the caller still refuses to send unsigned.
pub fn signature(key: &[u8], body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(body);
    Some(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_rfc_4231_test_case_2() {
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?").as_deref(),
            Some("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }

    #[test]
    fn a_key_longer_than_a_block_signs_too() {
        let key = [0xaa_u8; 131];
        assert_eq!(
            signature(
                &key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )
            .as_deref(),
            Some("sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }
}
