//! Device authentication: 256-bit bearer tokens, stored only as SHA-256 hashes, revocable; and
//! single-use enrollment codes, likewise stored only as hashes.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use lianxin_core::protocol::DeviceRole;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::Device;
use crate::error::AppError;
use crate::AppState;

/// A fresh bearer token: 32 bytes from the OS CSPRNG, base64url without padding (43 chars).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 hex. A plain hash suffices: tokens and codes are random, not passwords, so there is
/// nothing to brute-force from the hash.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Crockford base-32 without look-alikes, as on the printed receipt.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh enrollment code, `XXXX-XXXX-XXXX-XXXX` (80 random bits), easy to type on a tablet.
pub fn new_enrollment_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..16)
        .map(|_| CODE_ALPHABET[(rng.next_u32() % 32) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalizes a typed enrollment code (case, dashes, spaces, look-alike letters) before hashing.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn bearer(parts: &Parts) -> Result<&str, AppError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| AppError::unauthorized("missing bearer token; enroll the device first"))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::unauthorized("malformed authorization; expected \"Bearer <token>\"")
        })
}

async fn lookup(parts: &Parts, state: &AppState) -> Result<Device, AppError> {
    let token = bearer(parts)?;
    state
        .db
        .devices
        .device_by_token(&hash_secret(token))
        .await?
        .ok_or_else(|| AppError::unauthorized("unknown token; enroll the device again"))
}

/// An enrolled device whose token is not revoked.
#[derive(Debug, Clone)]
pub struct DeviceAuth(pub Device);

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let device = lookup(parts, state).await?;
        if device.revoked_at.is_some() {
            return Err(revoked());
        }
        Ok(DeviceAuth(device))
    }
}

/// An enrolled device, revoked or not: only the pull feed accepts it, so that a revoked device
/// can learn of its revocation.
#[derive(Debug, Clone)]
pub struct AnyDeviceAuth(pub Device);

impl FromRequestParts<AppState> for AnyDeviceAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        lookup(parts, state).await.map(AnyDeviceAuth)
    }
}

/// A field tablet (not a kiosk) whose token is valid: the only kind that may read petitions.
#[derive(Debug, Clone)]
pub struct FieldAuth(pub Device);

impl FromRequestParts<AppState> for FieldAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let DeviceAuth(device) = DeviceAuth::from_request_parts(parts, state).await?;
        if device.role == DeviceRole::Kiosk {
            return Err(AppError::forbidden("kiosks may not read petitions"));
        }
        Ok(FieldAuth(device))
    }
}

fn revoked() -> AppError {
    AppError::new(
        axum::http::StatusCode::UNAUTHORIZED,
        "device_revoked",
        "this device was revoked; ask an administrator to enroll it again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_256_random_bits_and_is_never_repeated() {
        let a = new_token();
        assert_eq!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&a)
                .unwrap()
                .len(),
            32
        );
        assert_ne!(a, new_token());
    }

    #[test]
    fn a_typed_enrollment_code_matches_however_it_is_spelled() {
        let code = new_enrollment_code();
        assert_eq!(code.len(), 19);
        let sloppy = code.to_lowercase().replace('-', " ");
        assert_eq!(
            hash_secret(&normalize_code(&sloppy)),
            hash_secret(&normalize_code(&code))
        );
        assert_eq!(normalize_code("abco-il"), "ABC011");
    }
}
