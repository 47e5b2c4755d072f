// Randomness for salts, secrets and tokens, from OpenSSL's CSPRNG.
#pragma once

#include "common/bytes.hpp"

#include <cstddef>
#include <string>

namespace ocs {

// Aborts the process if the generator fails: no caller can do anything safe
// without randomness, and a predictable token is worse than no service.
Bytes randomBytes(std::size_t count);

// `bytes` random bytes as base64url without padding (18 bytes → 24 characters).
std::string randomToken(std::size_t bytes);

} // namespace ocs
