// Text encodings of binary data: base64 (RFC 4648 §4, with padding) for the
// xs:base64Binary fields and the SCRAM AuthMessage, base64url without padding
// (RFC 4648 §5) for tokens that travel in URLs and headers, and hex for logs
// and documentation.
#pragma once

#include "common/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ocs {

std::string base64Encode(ByteView data);

// Strict: only the canonical encoding of some byte string is accepted (no
// whitespace, correct padding, zero pad bits), so one value has one spelling.
std::optional<Bytes> base64Decode(std::string_view text);

std::string base64UrlEncode(ByteView data);

std::string hexEncode(ByteView data); // lowercase

} // namespace ocs
