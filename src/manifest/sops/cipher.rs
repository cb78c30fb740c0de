//! SOPS's value cipher: `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]` strings (AES-256-GCM
//! with a 32-byte nonce, the value's tree path as additional data), and the typed bytes a value
//! adds to the file's MAC. Knows nothing about files or keys.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U32;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// SOPS seals every value with a 32-byte IV (Go's `NewGCMWithNonceSize`).
type SopsGcm = AesGcm<Aes256, U32>;
const IV_BYTES: usize = 32;
const TAG_BYTES: usize = 16;

/// A scalar as SOPS types it: the `type:` of its ciphertext, or how YAML resolves a plain scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Bool,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Bool => "bool",
        }
    }
}

/// Why a value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// Not an `ENC[AES256_GCM,...]` string, or a part is not base64.
    Malformed,
    /// A `type:` this decryptor does not handle (bytes, time, comment).
    UnsupportedType(String),
    /// The tag does not verify: another data key, or the value or its place changed.
    Authentication,
}

/// The `type:` of an `ENC[...]` string without opening it (for values checked without a key).
pub fn sealed_kind(text: &str) -> Option<Kind> {
    let (_, _, _, kind) = parts(text)?;
    parse_kind(kind)
}

fn parse_kind(tag: &str) -> Option<Kind> {
    match tag {
        "str" => Some(Kind::Str),
        "int" => Some(Kind::Int),
        "float" => Some(Kind::Float),
        "bool" => Some(Kind::Bool),
        _ => None,
    }
}

fn parts(text: &str) -> Option<(&str, &str, &str, &str)> {
    let inner = text
        .strip_prefix("ENC[AES256_GCM,data:")?
        .strip_suffix(']')?;
    let (data, rest) = inner.split_once(",iv:")?;
    let (iv, rest) = rest.split_once(",tag:")?;
    let (tag, kind) = rest.split_once(",type:")?;
    Some((data, iv, tag, kind))
}

pub fn is_sealed(text: &str) -> bool {
    text.starts_with("ENC[AES256_GCM,")
}

/// Opens `text` sealed at `path` (SOPS's additional data: the keys joined by `:`, plus `:`).
pub fn decrypt(text: &str, key: &[u8], aad: &str) -> Result<(String, Kind), ValueError> {
    let (data, iv, tag, kind) = parts(text).ok_or(ValueError::Malformed)?;
    let kind = parse_kind(kind).ok_or_else(|| ValueError::UnsupportedType(kind.to_string()))?;
    let decode = |part: &str| STANDARD.decode(part).map_err(|_| ValueError::Malformed);
    let (mut sealed, iv, tag) = (decode(data)?, decode(iv)?, decode(tag)?);
    if iv.len() != IV_BYTES || tag.len() != TAG_BYTES {
        return Err(ValueError::Malformed);
    }
    sealed.extend_from_slice(&tag);
    let cipher = SopsGcm::new_from_slice(key).map_err(|_| ValueError::Authentication)?;
    let payload = Payload {
        msg: &sealed,
        aad: aad.as_bytes(),
    };
    let clear = cipher
        .decrypt(GenericArray::from_slice(&iv), payload)
        .map_err(|_| ValueError::Authentication)?;
    let text = String::from_utf8(clear).map_err(|_| ValueError::Malformed)?;
    Ok((text, kind))
}

/// Seals `text` of `kind` at `aad` with a fresh IV, as SOPS writes it. An empty string stays
/// empty (SOPS does not seal it).
pub fn encrypt(text: &str, kind: Kind, key: &[u8], aad: &str) -> Option<String> {
    if kind == Kind::Str && text.is_empty() {
        return Some(String::new());
    }
    let mut iv = [0u8; IV_BYTES];
    rand::rng().fill_bytes(&mut iv);
    let cipher = SopsGcm::new_from_slice(key).ok()?;
    let plain = mac_bytes(text, kind);
    let payload = Payload {
        msg: plain.as_bytes(),
        aad: aad.as_bytes(),
    };
    let sealed = cipher
        .encrypt(GenericArray::from_slice(&iv), payload)
        .ok()?;
    let (data, tag) = sealed.split_at(sealed.len() - TAG_BYTES);
    Some(format!(
        "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{}]",
        STANDARD.encode(data),
        STANDARD.encode(iv),
        STANDARD.encode(tag),
        kind.tag()
    ))
}

/// How YAML (gopkg.in/yaml.v3, as SOPS reads it) types a scalar; `None` for null, which SOPS
/// leaves out of the walk.
pub fn resolve(text: &str, plain: bool) -> Option<Kind> {
    if !plain {
        return Some(Kind::Str);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => None,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Some(Kind::Bool),
        _ if parse_int(text).is_some() => Some(Kind::Int),
        _ if is_float(text) => Some(Kind::Float),
        _ => Some(Kind::Str),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` after YAML drops `_`: decimal, `0x`, `0o`, `0b`, and a
/// leading `0` for octal.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned = text.replace('_', "");
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    let (radix, body) = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        (16, hex)
    } else if let Some(oct) = digits.strip_prefix("0o").or(digits.strip_prefix("0O")) {
        (8, oct)
    } else if let Some(bin) = digits.strip_prefix("0b").or(digits.strip_prefix("0B")) {
        (2, bin)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// YAML 1.2's float form (`1.5`, `-2e3`, `.5`).
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() && digits(frac)) || (digits(int) && (frac.is_empty() || digits(frac)))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// The bytes SOPS adds to the MAC for a value (and seals for an encrypted one): Go's formatting
/// of the typed value, `True`/`False` for booleans.
pub fn mac_bytes(text: &str, kind: Kind) -> String {
    match kind {
        Kind::Str => text.to_string(),
        Kind::Int => parse_int(text).map_or_else(|| text.to_string(), |n| n.to_string()),
        Kind::Float => text
            .parse::<f64>()
            .map_or_else(|_| text.to_string(), |f| format!("{f}")),
        Kind::Bool => {
            if matches!(text, "true" | "True" | "TRUE" | "1" | "t" | "T") {
                "True".to_string()
            } else {
                "False".to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_at_its_path() {
        let key = [7u8; 32];
        let sealed = encrypt("s3cret", Kind::Str, &key, "spec:variables:A:").unwrap();
        assert_eq!(sealed_kind(&sealed), Some(Kind::Str));
        assert_eq!(
            decrypt(&sealed, &key, "spec:variables:A:"),
            Ok(("s3cret".to_string(), Kind::Str))
        );
        assert_eq!(
            decrypt(&sealed, &key, "spec:variables:B:"),
            Err(ValueError::Authentication)
        );
        assert_eq!(
            decrypt(&sealed, &[8u8; 32], "spec:variables:A:"),
            Err(ValueError::Authentication)
        );
    }

    #[test]
    fn scalars_are_typed_and_formatted_as_sops_does() {
        assert_eq!(resolve("2", true), Some(Kind::Int));
        assert_eq!(resolve("2", false), Some(Kind::Str));
        assert_eq!(resolve("1.50", true), Some(Kind::Float));
        assert_eq!(resolve("true", true), Some(Kind::Bool));
        assert_eq!(resolve("~", true), None);
        assert_eq!(resolve("api", true), Some(Kind::Str));
        assert_eq!(mac_bytes("true", Kind::Bool), "True");
        assert_eq!(mac_bytes("1.50", Kind::Float), "1.5");
        assert_eq!(mac_bytes("0x1F", Kind::Int), "31");
        assert_eq!(mac_bytes("1_000", Kind::Int), "1000");
    }
}
