#include "common/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace ocs {
namespace {

[[noreturn]] void fatal(const char* what)
{
    std::fprintf(stderr, "ocsmanager: fatal: %s failed\n", what);
    std::abort();
}

} // namespace

Digest sha256(ByteView message)
{
    Digest out{};
    unsigned int length = 0;
    if (EVP_Digest(message.data(), message.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != out.size())
        fatal("SHA-256");
    return out;
}

Digest hmacSha256(ByteView key, ByteView message)
{
    Digest out{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), out.data(),
             &length) == nullptr ||
        length != out.size())
        fatal("HMAC-SHA256");
    return out;
}

Digest pbkdf2HmacSha256(ByteView password, ByteView salt, std::uint32_t iterations)
{
    Digest out{};
    if (iterations == 0 || iterations > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))
        fatal("PBKDF2 (iteration count out of range)");
    if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()),
                          salt.data(), static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(out.size()), out.data()) != 1)
        fatal("PBKDF2-HMAC-SHA256");
    return out;
}

} // namespace ocs
