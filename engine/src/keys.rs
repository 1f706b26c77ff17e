//! Key-encryption keys derived from a passphrase, and data keys wrapped under them.
//!
//! A data key never leaves the engine in clear: it is wrapped with XChaCha20-Poly1305
//! under the key-encryption key (KEK), with a random 192-bit nonce and the ids of both
//! keys as associated data. The KEK is derived from the passphrase with Argon2id
//! (default), scrypt or PBKDF2-HMAC-SHA256, and the derivation's parameters and salt are
//! stored beside the wrapped keys so that the same passphrase derives the same KEK later.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use rand::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::seal::{DataKey, KeyId};

/// Associated data that marks the passphrase check value.
const CHECK_CONTEXT: &[u8] = b"shardsim 2026 passphrase check";

/// A key derivation function and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "kebab-case")]
pub enum Kdf {
    /// Argon2id, memory-hard; the default.
    Argon2id {
        /// Memory in KiB.
        memory_kib: u32,
        /// Passes over memory.
        iterations: u32,
        /// Lanes.
        parallelism: u32,
    },
    /// scrypt, memory-hard.
    Scrypt {
        /// Base-2 logarithm of the cost N.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// PBKDF2 with HMAC-SHA256, for systems that require a NIST-approved function.
    #[serde(rename = "pbkdf2-sha256")]
    Pbkdf2Sha256 {
        /// Iterations.
        iterations: u32,
    },
}

impl Kdf {
    /// Argon2id with 64 MiB, 3 passes and 1 lane, above OWASP's 2023 minimum.
    pub fn argon2id() -> Self {
        Self::Argon2id {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }

    /// scrypt with N = 2^17, r = 8, p = 1, as OWASP recommends.
    pub fn scrypt() -> Self {
        Self::Scrypt {
            log_n: 17,
            r: 8,
            p: 1,
        }
    }

    /// PBKDF2-HMAC-SHA256 with 600,000 iterations, as OWASP recommends for 2023.
    pub fn pbkdf2_sha256() -> Self {
        Self::Pbkdf2Sha256 {
            iterations: 600_000,
        }
    }

    /// The default derivation for a name: `argon2id`, `scrypt` or `pbkdf2-sha256`.
    ///
    /// # Errors
    ///
    /// A message listing the accepted names.
    pub fn by_name(name: &str) -> Result<Self, String> {
        match name {
            "argon2id" => Ok(Self::argon2id()),
            "scrypt" => Ok(Self::scrypt()),
            "pbkdf2-sha256" => Ok(Self::pbkdf2_sha256()),
            _ => Err(format!(
                "unknown key derivation {name:?}: use argon2id, scrypt or pbkdf2-sha256"
            )),
        }
    }

    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<[u8; 32], EngineError> {
        let mut out = [0u8; 32];
        let invalid = |reason: String| EngineError::InvalidKdf { reason };
        match *self {
            Self::Argon2id {
                memory_kib,
                iterations,
                parallelism,
            } => {
                let params = argon2::Params::new(memory_kib, iterations, parallelism, Some(32))
                    .map_err(|error| invalid(format!("Argon2id parameters: {error}")))?;
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                    .hash_password_into(passphrase, salt, &mut out)
                    .map_err(|error| invalid(format!("Argon2id: {error}")))?;
            }
            Self::Scrypt { log_n, r, p } => {
                let params = scrypt::Params::new(log_n, r, p)
                    .map_err(|error| invalid(format!("scrypt parameters: {error}")))?;
                scrypt::scrypt(passphrase, salt, &params, &mut out)
                    .map_err(|error| invalid(format!("scrypt: {error}")))?;
            }
            Self::Pbkdf2Sha256 { iterations } => {
                if iterations == 0 {
                    return Err(invalid("PBKDF2 needs at least 1 iteration".to_string()));
                }
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, iterations, &mut out);
            }
        }
        Ok(out)
    }
}

/// What is stored about a key-encryption key: how to derive it, and a value that
/// checks the passphrase. Holds no key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KekRecord {
    /// Id of the derived key.
    pub id: KeyId,
    /// Derivation and its parameters.
    pub kdf: Kdf,
    /// Salt, 16 random bytes in hexadecimal.
    pub salt: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// Keys wrapped or unwrapped under it so far.
    pub uses: u64,
    /// An empty message sealed under the key: opening it proves the passphrase.
    check: WrappedBytes,
}

/// A key-encryption key in memory, derived from the passphrase.
pub struct Kek {
    key: DataKey,
    record: KekRecord,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek(id {})", self.record.id)
    }
}

/// Nonce and ciphertext of a wrapped value, both in hexadecimal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedBytes {
    nonce: String,
    ciphertext: String,
}

/// A data key wrapped under a KEK, safe to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    /// Id of the data key inside.
    pub key_id: KeyId,
    /// Id of the KEK that wraps it.
    pub kek_id: KeyId,
    /// Stripes sealed under the data key.
    pub uses: u64,
    wrapped: WrappedBytes,
}

impl Kek {
    /// Derives a new KEK from `passphrase` with a fresh random salt.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidKdf`] when the derivation's parameters are invalid.
    pub fn create<R: CryptoRng + ?Sized>(
        passphrase: &str,
        kdf: Kdf,
        created_unix_s: u64,
        rng: &mut R,
    ) -> Result<Self, EngineError> {
        if passphrase.is_empty() {
            return Err(EngineError::InvalidOption {
                option: "passphrase",
                value: "(empty)".to_string(),
                reason: "an empty passphrase protects nothing; choose a long one".to_string(),
            });
        }
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let key = DataKey::from_material(kdf.derive(passphrase.as_bytes(), &salt)?);
        let id = key.id();
        let check = seal_bytes(&key, &[], &check_aad(id), rng);
        Ok(Self {
            key,
            record: KekRecord {
                id,
                kdf,
                salt: crate::hex::encode(&salt),
                created_unix_s,
                uses: 0,
                check,
            },
        })
    }

    /// Derives the KEK a record describes from `passphrase`.
    ///
    /// # Errors
    ///
    /// [`EngineError::WrongPassphrase`] when the passphrase does not open the record's
    /// check value; [`EngineError::InvalidKdf`] for unusable parameters.
    pub fn open(passphrase: &str, record: &KekRecord) -> Result<Self, EngineError> {
        let salt =
            crate::hex::decode::<16>(&record.salt).ok_or_else(|| EngineError::InvalidKdf {
                reason: format!("salt {:?} is not 32 hexadecimal digits", record.salt),
            })?;
        let key = DataKey::from_material(record.kdf.derive(passphrase.as_bytes(), &salt)?);
        if key.id() != record.id || open_bytes(&key, &record.check, &check_aad(record.id)).is_err()
        {
            return Err(EngineError::WrongPassphrase);
        }
        Ok(Self {
            key,
            record: record.clone(),
        })
    }

    /// The stored description of this KEK, with its current use count.
    pub fn record(&self) -> &KekRecord {
        &self.record
    }

    /// Wraps a data key under this KEK.
    pub fn wrap<R: CryptoRng + ?Sized>(
        &mut self,
        key: &DataKey,
        uses: u64,
        rng: &mut R,
    ) -> WrappedKey {
        self.record.uses += 1;
        let key_id = key.id();
        let aad = wrap_aad(key_id, self.record.id);
        WrappedKey {
            key_id,
            kek_id: self.record.id,
            uses,
            wrapped: seal_bytes(&self.key, key.material(), &aad, rng),
        }
    }

    /// Unwraps a data key.
    ///
    /// # Errors
    ///
    /// [`EngineError::Authentication`] when the wrapped key was made under another KEK
    /// or altered.
    pub fn unwrap(&mut self, wrapped: &WrappedKey) -> Result<DataKey, EngineError> {
        if wrapped.kek_id != self.record.id {
            return Err(EngineError::Authentication);
        }
        self.record.uses += 1;
        let aad = wrap_aad(wrapped.key_id, self.record.id);
        let bytes = open_bytes(&self.key, &wrapped.wrapped, &aad)?;
        let material: [u8; 32] = bytes.try_into().map_err(|_| EngineError::Authentication)?;
        let key = DataKey::from_material(material);
        if key.id() != wrapped.key_id {
            return Err(EngineError::Authentication);
        }
        Ok(key)
    }
}

fn check_aad(kek_id: KeyId) -> Vec<u8> {
    let mut aad = CHECK_CONTEXT.to_vec();
    aad.extend_from_slice(String::from(kek_id).as_bytes());
    aad
}

fn wrap_aad(key_id: KeyId, kek_id: KeyId) -> Vec<u8> {
    let mut aad = String::from(key_id).into_bytes();
    aad.extend_from_slice(String::from(kek_id).as_bytes());
    aad
}

fn seal_bytes<R: CryptoRng + ?Sized>(
    key: &DataKey,
    message: &[u8],
    aad: &[u8],
    rng: &mut R,
) -> WrappedBytes {
    // A random 192-bit nonce never repeats in practice, whatever the number of wraps.
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let mut buffer = message.to_vec();
    XChaCha20Poly1305::new(&(*key.material()).into())
        .encrypt_in_place(&nonce.into(), aad, &mut buffer)
        .expect("XChaCha20-Poly1305 seals any message of 32 bytes or less");
    WrappedBytes {
        nonce: crate::hex::encode(&nonce),
        ciphertext: crate::hex::encode(&buffer),
    }
}

fn open_bytes(key: &DataKey, wrapped: &WrappedBytes, aad: &[u8]) -> Result<Vec<u8>, EngineError> {
    let nonce = crate::hex::decode::<24>(&wrapped.nonce).ok_or(EngineError::Authentication)?;
    let mut buffer =
        crate::hex::decode_vec(&wrapped.ciphertext).ok_or(EngineError::Authentication)?;
    XChaCha20Poly1305::new(&(*key.material()).into())
        .decrypt_in_place(&nonce.into(), aad, &mut buffer)
        .map_err(|_| EngineError::Authentication)?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Cheap parameters so the tests stay fast; production defaults are far costlier.
    fn fast_kdfs() -> [Kdf; 3] {
        [
            Kdf::Argon2id {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            Kdf::Scrypt {
                log_n: 4,
                r: 8,
                p: 1,
            },
            Kdf::Pbkdf2Sha256 { iterations: 10 },
        ]
    }

    #[test]
    fn wrap_and_unwrap_under_every_kdf() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for kdf in fast_kdfs() {
            let mut kek = Kek::create("correct horse", kdf, 0, &mut rng).expect("derives");
            let data_key = DataKey::generate(&mut rng);
            let wrapped = kek.wrap(&data_key, 0, &mut rng);
            let text = serde_json::to_string(&wrapped).expect("serialises");
            assert!(!text.contains(&crate::hex::encode(data_key.material())));

            let mut reopened = Kek::open("correct horse", kek.record()).expect("same passphrase");
            assert_eq!(reopened.unwrap(&wrapped), Ok(data_key));
        }
    }

    #[test]
    fn wrong_passphrase_is_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for kdf in fast_kdfs() {
            let kek = Kek::create("right", kdf, 0, &mut rng).expect("derives");
            assert_eq!(
                Kek::open("wrong", kek.record()).map(|_| ()),
                Err(EngineError::WrongPassphrase)
            );
        }
    }

    #[test]
    fn key_from_another_kek_does_not_unwrap() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let [kdf, ..] = fast_kdfs();
        let mut first = Kek::create("a", kdf.clone(), 0, &mut rng).expect("derives");
        let mut second = Kek::create("a", kdf, 0, &mut rng).expect("derives");
        let wrapped = first.wrap(&DataKey::generate(&mut rng), 0, &mut rng);
        assert_eq!(second.unwrap(&wrapped), Err(EngineError::Authentication));
    }

    #[test]
    fn uses_are_counted() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let [kdf, ..] = fast_kdfs();
        let mut kek = Kek::create("a", kdf, 0, &mut rng).expect("derives");
        let wrapped = kek.wrap(&DataKey::generate(&mut rng), 0, &mut rng);
        kek.unwrap(&wrapped).expect("unwraps");
        assert_eq!(kek.record().uses, 2);
    }

    #[test]
    fn kdf_names_parse() {
        assert_eq!(Kdf::by_name("argon2id"), Ok(Kdf::argon2id()));
        assert!(Kdf::by_name("md5").is_err());
    }
}
