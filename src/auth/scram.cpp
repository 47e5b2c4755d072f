#include "auth/scram.hpp"

#include "common/digest.hpp"
#include "common/encoding.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace ocs::scram {
namespace {

Key exclusiveOr(const Key& a, const Key& b)
{
    Key out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = a[i] ^ b[i];
    return out;
}

} // namespace

Key saltedPassword(std::string_view password, ByteView salt, std::uint32_t iterations)
{
    return pbkdf2HmacSha256(password, salt, iterations);
}

Key clientKey(const Key& saltedPassword)
{
    return hmacSha256(saltedPassword, "Client Key");
}

Key storedKey(const Key& clientKey)
{
    return sha256(clientKey);
}

Key serverKey(const Key& saltedPassword)
{
    return hmacSha256(saltedPassword, "Server Key");
}

Key clientSignature(const Key& storedKey, std::string_view authMessage)
{
    return hmacSha256(storedKey, authMessage);
}

Key clientProof(const Key& clientKey, const Key& clientSignature)
{
    return exclusiveOr(clientKey, clientSignature);
}

Key serverSignature(const Key& serverKey, std::string_view authMessage)
{
    return hmacSha256(serverKey, authMessage);
}

bool verifyProof(const Key& storedKey, ByteView proof, std::string_view authMessage)
{
    Key received{};
    const bool wellFormed = proof.size() == received.size();
    if (wellFormed)
        std::copy(proof.begin(), proof.end(), received.begin());
    const Key recoveredClientKey = exclusiveOr(received, clientSignature(storedKey, authMessage));
    const Key recoveredStoredKey = scram::storedKey(recoveredClientKey);
    const bool matches = CRYPTO_memcmp(recoveredStoredKey.data(), storedKey.data(), storedKey.size()) == 0;
    return wellFormed && matches;
}

std::string saslName(std::string_view name)
{
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c == '=')
            out += "=3D";
        else if (c == ',')
            out += "=2C";
        else
            out += c;
    }
    return out;
}

std::string authMessage(std::string_view clientFirstBare, std::string_view serverFirst,
                        std::string_view clientFinalWithoutProof)
{
    std::string out;
    out.reserve(clientFirstBare.size() + serverFirst.size() + clientFinalWithoutProof.size() + 2);
    out.append(clientFirstBare).append(",").append(serverFirst).append(",").append(clientFinalWithoutProof);
    return out;
}

std::string authMessageFor(std::string_view login, std::string_view challenge, ByteView salt, std::uint32_t iterations)
{
    const std::string nonce(challenge);
    return authMessage("n=" + saslName(login) + ",r=" + nonce,
                       "r=" + nonce + ",s=" + base64Encode(salt) + ",i=" + std::to_string(iterations),
                       "c=biws,r=" + nonce);
}

} // namespace ocs::scram
