//! Age keys for SOPS files: the identities named by `SOPS_AGE_KEY` / `SOPS_AGE_KEY_FILE` (read
//! through the given lookup, so `--age-key-file` can stand in for the variable), opening the data
//! key from a file's age stanzas, and sealing a new data key to recipients. Never shows a key.

use std::io::{Read, Write};
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::x25519::{Identity, Recipient};

pub const KEY_VARIABLE: &str = "SOPS_AGE_KEY";
pub const KEY_FILE_VARIABLE: &str = "SOPS_AGE_KEY_FILE";
/// SOPS's data key: 32 bytes for AES-256.
pub const DATA_KEY_BYTES: usize = 32;

/// Why no usable identity was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Neither variable is set.
    Missing,
    /// The key file cannot be read (the message names the file, never its content).
    Unreadable(String),
    /// A line is not an `AGE-SECRET-KEY-1...` identity (plugin and SSH keys are not supported).
    Invalid(&'static str),
}

/// The identities of `SOPS_AGE_KEY` and of the file `SOPS_AGE_KEY_FILE` names, both when both are
/// set (as sops does).
pub fn identities(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Identity>, KeyError> {
    let mut found = Vec::new();
    let inline = env(KEY_VARIABLE).filter(|v| !v.trim().is_empty());
    let file = env(KEY_FILE_VARIABLE).filter(|v| !v.trim().is_empty());
    if inline.is_none() && file.is_none() {
        return Err(KeyError::Missing);
    }
    if let Some(text) = inline {
        found.extend(parse(&text, KEY_VARIABLE)?);
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(&path)
            .map_err(|error| KeyError::Unreadable(format!("cannot read {path}: {error}")))?;
        found.extend(parse(&text, KEY_FILE_VARIABLE)?);
    }
    Ok(found)
}

/// The identities of an age key file: one per line, `#` comments and blank lines skipped.
fn parse(text: &str, source: &'static str) -> Result<Vec<Identity>, KeyError> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| Identity::from_str(line).map_err(|_| KeyError::Invalid(source)))
        .collect()
}

/// Opens an armored age stanza (`sops.age[].enc`) with any of `identities`.
pub fn open_data_key(enc: &str, identities: &[Identity]) -> Option<Vec<u8>> {
    let decryptor = age::Decryptor::new(ArmoredReader::new(enc.trim().as_bytes())).ok()?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .ok()?;
    let mut key = Vec::new();
    reader.read_to_end(&mut key).ok()?;
    (key.len() == DATA_KEY_BYTES).then_some(key)
}

/// Parses an `age1...` recipient.
pub fn recipient(text: &str) -> Option<Recipient> {
    Recipient::from_str(text.trim()).ok()
}

/// Seals `data_key` to one recipient as an armored age file, as sops writes `sops.age[].enc`.
pub fn seal_data_key(data_key: &[u8], recipient: &Recipient) -> Option<String> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).ok()?;
    let mut out = Vec::new();
    let armored = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).ok()?;
    let mut writer = encryptor.wrap_output(armored).ok()?;
    writer.write_all(data_key).ok()?;
    writer.finish().ok()?.finish().ok()?;
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_key_sealed_to_a_recipient_opens_with_its_identity_only() {
        let identity = Identity::generate();
        let other = Identity::generate();
        let sealed = seal_data_key(&[5u8; 32], &identity.to_public()).unwrap();
        assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert_eq!(open_data_key(&sealed, &[identity]), Some(vec![5u8; 32]));
        assert_eq!(open_data_key(&sealed, &[other]), None);
    }

    #[test]
    fn keys_come_from_either_variable_and_never_from_nowhere() {
        let none = |_: &str| None;
        assert_eq!(identities(&none).err(), Some(KeyError::Missing));
        let bad = |name: &str| (name == KEY_VARIABLE).then(|| "not a key".to_string());
        assert_eq!(
            identities(&bad).err(),
            Some(KeyError::Invalid(KEY_VARIABLE))
        );
    }
}
