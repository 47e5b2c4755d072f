// Checks on text that arrives from clients: every string field of a request
// goes through validateField before it is used or stored.
#pragma once

#include "common/result.hpp"

#include <cstddef>
#include <string_view>

namespace ocs {

// What a UTF-8 lead byte starts (the table of RFC 3629 §4): the sequence's
// length and the range its second byte must fall in; length 0 for a byte
// that cannot start a sequence.
struct Utf8Lead {
    std::size_t length;
    unsigned char secondMin;
    unsigned char secondMax;
};
Utf8Lead utf8Lead(unsigned char c);

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequence.
bool isValidUtf8(std::string_view text);

// C0 controls (U+0000..U+001F), DEL (U+007F) or C1 controls (U+0080..U+009F,
// among them NEL, a line break to some readers): never part of a name, and
// they would let a value forge log lines or break the TDB key layout.
bool hasControlCharacter(std::string_view text);

// 1..maxLength bytes of valid UTF-8 without control characters; otherwise
// InvalidParameter naming `field`.
Status validateField(std::string_view field, std::string_view value, std::size_t maxLength);

// validateField for a field that may be left out: empty is accepted.
Status validateOptionalField(std::string_view field, std::string_view value, std::size_t maxLength);

} // namespace ocs
