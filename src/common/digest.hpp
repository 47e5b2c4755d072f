// SHA-256, HMAC-SHA256 and PBKDF2-HMAC-SHA256 through OpenSSL, for SCRAM,
// fake salts and the hashed session keys.
#pragma once

#include "common/bytes.hpp"

#include <array>
#include <cstdint>

namespace ocs {

using Digest = std::array<std::uint8_t, 32>;

// All abort the process if OpenSSL fails (it only does when it cannot
// allocate or is broken): a caller must never go on with a wrong digest.
Digest sha256(ByteView message);
Digest hmacSha256(ByteView key, ByteView message);
// Precondition: 1 <= iterations <= INT_MAX (OpenSSL takes an int).
Digest pbkdf2HmacSha256(ByteView password, ByteView salt, std::uint32_t iterations);

} // namespace ocs
