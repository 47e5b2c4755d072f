// SCRAM-SHA-256 primitives (RFC 5802 §3, RFC 7677) and our mapping of the
// exchange onto the two SOAP steps GetToken and Login (doc/protocol.md).
#pragma once

#include "common/bytes.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocs::scram {

using Key = std::array<std::uint8_t, 32>;

inline constexpr std::string_view mechanism = "SCRAM-SHA-256";
// The accepted range of iteration counts for stored accounts. The server
// never runs PBKDF2 on a login, but every client does: more than the maximum
// would only make logins slow.
inline constexpr std::uint32_t minIterations = 4096;
inline constexpr std::uint32_t maxIterations = 10'000'000;

// PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes (no SASLprep).
// Precondition: 1 <= iterations <= INT_MAX (the process aborts otherwise).
Key saltedPassword(std::string_view password, ByteView salt, std::uint32_t iterations);
Key clientKey(const Key& saltedPassword);
Key storedKey(const Key& clientKey);
Key serverKey(const Key& saltedPassword);
Key clientSignature(const Key& storedKey, std::string_view authMessage);
Key clientProof(const Key& clientKey, const Key& clientSignature);
Key serverSignature(const Key& serverKey, std::string_view authMessage);

// Recovers ClientKey from the proof and compares its hash with StoredKey in
// constant time. A proof of any length but 32 bytes fails, after the same
// work as a wrong one.
bool verifyProof(const Key& storedKey, ByteView proof, std::string_view authMessage);

// RFC 5802 saslname: "=" becomes "=3D" and "," becomes "=2C".
std::string saslName(std::string_view name);

// client-first-message-bare "," server-first-message ","
// client-final-message-without-proof
std::string authMessage(std::string_view clientFirstBare, std::string_view serverFirst,
                        std::string_view clientFinalWithoutProof);

// Our mapping: no client nonce, the server's challenge is the whole nonce,
// gs2 header "n,," (c=biws):
//   n=<saslname>,r=<challenge>,r=<challenge>,s=<base64 salt>,i=<iterations>,c=biws,r=<challenge>
std::string authMessageFor(std::string_view login, std::string_view challenge, ByteView salt, std::uint32_t iterations);

} // namespace ocs::scram
