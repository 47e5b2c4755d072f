// Conversions between generated gSOAP types and plain C++ values.
#pragma once

#include "soapH.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ocs::service {

// The bytes are copied into memory the context owns (freed by soap_end).
inline xsd__base64Binary toBase64Binary(struct soap* soap, const std::vector<std::uint8_t>& bytes)
{
    xsd__base64Binary out;
    out.soap_default(soap);
    out.__size = static_cast<int>(bytes.size());
    out.__ptr = static_cast<unsigned char*>(soap_malloc(soap, bytes.empty() ? 1 : bytes.size()));
    if (!bytes.empty())
        std::memcpy(out.__ptr, bytes.data(), bytes.size());
    return out;
}

// A string owned by the context (freed by soap_destroy).
inline std::string* newString(struct soap* soap, const std::string& value)
{
    std::string* out = soap_new_std__string(soap);
    *out = value;
    return out;
}

inline std::vector<std::uint8_t> toBytes(const xsd__base64Binary& in)
{
    if (!in.__ptr || in.__size <= 0)
        return {};
    return std::vector<std::uint8_t>(in.__ptr, in.__ptr + in.__size);
}

} // namespace ocs::service
