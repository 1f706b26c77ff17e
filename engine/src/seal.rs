//! Sealing stripes with an AEAD (ChaCha20-Poly1305 by default, AES-256-GCM as the
//! alternative) under per-backup data keys.
//!
//! Nonce uniqueness: every backup draws fresh random 256-bit data keys, and each key
//! seals stripes of exactly one backup, at most `key_max_uses` of them. The nonce is the
//! stripe's index in its backup, so within one key no nonce repeats, and across keys a
//! repeat does not matter.

use aes_gcm::Aes256Gcm;
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use rand::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// Length of the Poly1305 authentication tag appended to each sealed stripe.
pub const TAG_LEN: usize = 16;

/// The AEAD that seals a backup's stripes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// ChaCha20-Poly1305 (RFC 8439): fast in software on every processor.
    #[default]
    #[serde(rename = "chacha20-poly1305")]
    ChaCha20Poly1305,
    /// AES-256-GCM: fast where the processor has AES and carry-less multiply
    /// instructions.
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "chacha20-poly1305" => Ok(Self::ChaCha20Poly1305),
            "aes-256-gcm" => Ok(Self::Aes256Gcm),
            _ => Err(format!(
                "unknown algorithm {text:?}: use chacha20-poly1305 or aes-256-gcm"
            )),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ChaCha20Poly1305 => "chacha20-poly1305",
            Self::Aes256Gcm => "aes-256-gcm",
        })
    }
}

/// Context string that separates key ids from every other use of BLAKE3 here.
const KEY_ID_CONTEXT: &str = "shardsim 2026 data key id";

/// A 256-bit data key that seals one backup.
///
/// Its `Debug` output is redacted, so logging a value that contains a key never prints
/// the key material.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// Draws a new key from the caller's cryptographically secure generator.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key's id: a keyed BLAKE3 derivation of the key, safe to store and print.
    pub fn id(&self) -> KeyId {
        let derived = blake3::derive_key(KEY_ID_CONTEXT, &self.0);
        let mut id = [0u8; 16];
        id.copy_from_slice(&derived[..16]);
        KeyId(id)
    }

    /// The key bytes, for derivations and wrapping inside the engine only.
    pub(crate) fn material(&self) -> &[u8; 32] {
        &self.0
    }

    /// Rebuilds a key from unwrapped bytes.
    pub(crate) fn from_material(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(id {})", self.id())
    }
}

/// The public id of a data key, written into manifests in place of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct KeyId([u8; 16]);

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl From<KeyId> for String {
    fn from(id: KeyId) -> Self {
        id.to_string()
    }
}

impl TryFrom<String> for KeyId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let bytes = crate::hex::decode::<16>(&text)
            .ok_or_else(|| format!("key id {text:?} is not 32 hexadecimal digits"))?;
        Ok(Self(bytes))
    }
}

/// Where a sealed stripe belongs: binding these into the associated data makes a stripe
/// moved to another backup or position fail to open.
pub struct StripeContext<'a> {
    /// Id of the backup the stripe belongs to.
    pub backup_id: &'a str,
    /// Position of the stripe inside the backup.
    pub stripe: usize,
    /// Id of the key that seals the backup.
    pub key_id: KeyId,
}

impl StripeContext<'_> {
    fn nonce(&self) -> [u8; 12] {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&(self.stripe as u64).to_le_bytes());
        nonce
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(self.backup_id.len() + 8 + 16);
        aad.extend_from_slice(self.backup_id.as_bytes());
        aad.extend_from_slice(&(self.stripe as u64).to_le_bytes());
        aad.extend_from_slice(&self.key_id.0);
        aad
    }
}

/// Seals `buffer` in place: on return it contains the ciphertext followed by the tag.
pub(crate) fn seal(
    algorithm: Algorithm,
    key: &DataKey,
    context: &StripeContext<'_>,
    buffer: &mut Vec<u8>,
) {
    let nonce = context.nonce();
    let aad = context.associated_data();
    let sealed = match algorithm {
        Algorithm::ChaCha20Poly1305 => {
            ChaCha20Poly1305::new(&key.0.into()).encrypt_in_place(&nonce.into(), &aad, buffer)
        }
        Algorithm::Aes256Gcm => {
            Aes256Gcm::new(&key.0.into()).encrypt_in_place(&nonce.into(), &aad, buffer)
        }
    };
    sealed.expect("both AEADs only fail for messages over 64 GiB, and stripes are smaller");
}

/// Opens a sealed stripe in place, leaving the plaintext in `buffer`.
pub(crate) fn open(
    algorithm: Algorithm,
    key: &DataKey,
    context: &StripeContext<'_>,
    buffer: &mut Vec<u8>,
) -> Result<(), EngineError> {
    let nonce = context.nonce();
    let aad = context.associated_data();
    let opened = match algorithm {
        Algorithm::ChaCha20Poly1305 => {
            ChaCha20Poly1305::new(&key.0.into()).decrypt_in_place(&nonce.into(), &aad, buffer)
        }
        Algorithm::Aes256Gcm => {
            Aes256Gcm::new(&key.0.into()).decrypt_in_place(&nonce.into(), &aad, buffer)
        }
    };
    opened.map_err(|_| EngineError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn context<'a>(backup_id: &'a str, stripe: usize, key: &DataKey) -> StripeContext<'a> {
        StripeContext {
            backup_id,
            stripe,
            key_id: key.id(),
        }
    }

    #[test]
    fn sealed_stripe_opens_only_in_place() {
        for algorithm in [Algorithm::ChaCha20Poly1305, Algorithm::Aes256Gcm] {
            let mut rng = ChaCha20Rng::seed_from_u64(7);
            let key = DataKey::generate(&mut rng);
            let mut buffer = b"stripe bytes".to_vec();
            seal(algorithm, &key, &context("backup_a", 2, &key), &mut buffer);
            assert_eq!(buffer.len(), 12 + TAG_LEN);

            let mut moved_stripe = buffer.clone();
            let moved = open(
                algorithm,
                &key,
                &context("backup_a", 3, &key),
                &mut moved_stripe,
            );
            assert_eq!(moved, Err(EngineError::Authentication));

            let mut other_backup = buffer.clone();
            let wrong = open(
                algorithm,
                &key,
                &context("backup_b", 2, &key),
                &mut other_backup,
            );
            assert_eq!(wrong, Err(EngineError::Authentication));

            let other = if algorithm == Algorithm::Aes256Gcm {
                Algorithm::ChaCha20Poly1305
            } else {
                Algorithm::Aes256Gcm
            };
            let mut other_algorithm = buffer.clone();
            let crossed = open(
                other,
                &key,
                &context("backup_a", 2, &key),
                &mut other_algorithm,
            );
            assert_eq!(crossed, Err(EngineError::Authentication));

            open(algorithm, &key, &context("backup_a", 2, &key), &mut buffer)
                .expect("same context opens");
            assert_eq!(buffer, b"stripe bytes");
        }
    }

    #[test]
    fn chacha_matches_rfc_8439_vector() {
        // RFC 8439, section 2.8.2: key 80..9f, nonce 07000000 4041424344454647,
        // AAD 50515253c0c1c2c3c4c5c6c7; the tag of the sunscreen message.
        let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let nonce = [
            0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
        ];
        let aad = [
            0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
        ];
        let mut buffer = b"Ladies and Gentlemen of the class of '99: If I could offer you \
only one tip for the future, sunscreen would be it."
            .to_vec();
        ChaCha20Poly1305::new(&key.into())
            .encrypt_in_place(&nonce.into(), &aad, &mut buffer)
            .expect("seals");
        let tag = &buffer[buffer.len() - TAG_LEN..];
        assert_eq!(crate::hex::encode(tag), "1ae10b594f09e26a7e902ecbd0600691");
    }

    #[test]
    fn algorithm_names_round_trip() {
        for algorithm in [Algorithm::ChaCha20Poly1305, Algorithm::Aes256Gcm] {
            assert_eq!(algorithm.to_string().parse(), Ok(algorithm));
        }
        assert!("rot13".parse::<Algorithm>().is_err());
    }

    #[test]
    fn key_debug_hides_material() {
        let key = DataKey([0xab; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains("abab"), "{shown}");
        assert!(shown.contains(&key.id().to_string()));
    }

    #[test]
    fn key_id_round_trips_through_text() {
        let id = DataKey([1; 32]).id();
        let text = String::from(id);
        assert_eq!(KeyId::try_from(text), Ok(id));
        assert!(KeyId::try_from("zz".to_string()).is_err());
    }
}
