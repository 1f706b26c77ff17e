//! Sealing stripes with ChaCha20-Poly1305 under a per-backup data key.
//!
//! Nonce uniqueness: every backup draws a fresh random 256-bit data key, and each key
//! seals the stripes of exactly one backup. The nonce is the stripe index, so within one
//! key no nonce repeats, and across keys a repeat does not matter.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// Length of the Poly1305 authentication tag appended to each sealed stripe.
pub const TAG_LEN: usize = 16;

/// Name of the AEAD algorithm as the manifest records it.
pub const ALGORITHM: &str = "chacha20-poly1305";

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

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&self.0.into())
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
    fn nonce(&self) -> Nonce {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&(self.stripe as u64).to_le_bytes());
        nonce.into()
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(self.backup_id.len() + 8 + 16);
        aad.extend_from_slice(self.backup_id.as_bytes());
        aad.extend_from_slice(&(self.stripe as u64).to_le_bytes());
        aad.extend_from_slice(&self.key_id.0);
        aad
    }
}

/// Seals `buffer` in place: on return it holds the ciphertext followed by the tag.
pub(crate) fn seal(key: &DataKey, context: &StripeContext<'_>, buffer: &mut Vec<u8>) {
    key.cipher()
        .encrypt_in_place(&context.nonce(), &context.associated_data(), buffer)
        .expect("ChaCha20-Poly1305 only fails for messages over 256 GiB, and stripes are smaller");
}

/// Opens a sealed stripe in place, leaving the plaintext in `buffer`.
pub(crate) fn open(
    key: &DataKey,
    context: &StripeContext<'_>,
    buffer: &mut Vec<u8>,
) -> Result<(), EngineError> {
    key.cipher()
        .decrypt_in_place(&context.nonce(), &context.associated_data(), buffer)
        .map_err(|_| EngineError::Authentication)
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
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = DataKey::generate(&mut rng);
        let mut buffer = b"stripe bytes".to_vec();
        seal(&key, &context("backup_a", 2, &key), &mut buffer);
        assert_eq!(buffer.len(), 12 + TAG_LEN);

        let mut moved_stripe = buffer.clone();
        let moved = open(&key, &context("backup_a", 3, &key), &mut moved_stripe);
        assert_eq!(moved, Err(EngineError::Authentication));

        let mut other_backup = buffer.clone();
        let wrong = open(&key, &context("backup_b", 2, &key), &mut other_backup);
        assert_eq!(wrong, Err(EngineError::Authentication));

        open(&key, &context("backup_a", 2, &key), &mut buffer).expect("same context opens");
        assert_eq!(buffer, b"stripe bytes");
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
